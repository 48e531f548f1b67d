"""The kiosk's view of its hardware: which devices run, what state each is in.

``manager`` turns ``[devices]`` into running drivers found in the driver registry
(``drivers.registry``); ``protocols`` says what the kiosk uses of each device class;
``status`` is the model the attract screen and the journeys read.
"""
