"""What the journeys rely on to keep their promises: the journal and outbox, payments and
their reconciliation, printing, form validation, speech. No Kivy, no screens.
"""
