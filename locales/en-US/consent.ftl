# Consent: each use of the customer's data beyond the banking itself, asked for on its own.
# The app shows a purpose's title and body on a screen of their own with the two buttons, and
# reads them out with the phone's screen reader. Changing a purpose's title or body (in any
# locale) asks every customer again: the decision is recorded with the wording's version.

consent-voice-recognition-title = Use your voice
consent-voice-recognition-body = So that you can bank by speaking, this phone listens to what you say and works out what you are asking for. Your voice is recognized on this phone only. It is never sent to the bank or to anyone else, and it is not kept. You can type or tap instead, and you can change your mind at any time in the settings.
consent-agree = I agree
consent-decline = No, thank you
# Said when speech arrives before the customer agreed to voice recognition (or after she
# withdrew): the audio is dropped unheard, and the app shows the consent screen.
consent-voice-needed = Before I listen to your voice, I need your agreement. It is on your screen now. You can also type or tap.
