"""The kiosk's side of the government-service platform: the contract, the signed client.

``contract/`` holds the typed models both sides share; ``client`` signs, sends and
decodes; ``transport`` retries safely; ``cache`` keeps the catalogue for outages.
Nothing here knows about screens, journeys or devices.
"""
