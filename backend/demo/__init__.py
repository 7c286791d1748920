"""The embedded demo: seed a network, replay LMS traffic through the live xAPI endpoint, serve.

catalogue.py   who and what the demo is about (pure data)
senders.py     one statement as each real sender shapes it: Moodle, Open edX, H5P, cmi5 (pure)
traffic.py     eight weeks of study sessions: seed and day in, statements out (pure)
network.py     the network directory as import documents: organisations, people, pathways
               whose criteria are the traffic's activities, enrolments (pure)
seed.py        imports those, and makes the demo LRS client and the logins (database writes)
replay.py      the LMS side: send, verify and void through the real tincan client (HTTP only)
progress.py    waits for the replay to settle, projects it, and shows each learner's progress
"""
