"""What the journeys rely on to keep their promises, with no Kivy and no screens.

The durable stores (journal, payment ledger, reprint table; opened one way by
``store``), the outbox that drains the journal, reconciling orders with the platform,
submitting applications, photographing materials, printing and delivering certificate
prints, form validation, speech.
"""
