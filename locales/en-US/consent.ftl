# Consent: each use of the customer's data beyond the banking itself, asked for on its own.
# The app shows a purpose's title and body on a screen of their own with the two buttons, and
# reads them out with the phone's screen reader. Changing a purpose's title or body (in any
# locale) asks every customer again: the decision is recorded with the wording's version.

consent-voice-recognition-title = Use your voice
consent-voice-recognition-body = So that you can bank by speaking, this phone listens to what you say when you press the microphone button, and works out what you are asking for. Your voice is understood on this phone only. It is never sent to the bank or to anyone else, and it is not kept. You can type or tap instead, and you can change your mind at any time in this app's settings.
consent-agree = I agree
consent-decline = No, thank you
# Said when speech arrives before the customer was asked about voice recognition: the audio
# is dropped unheard, and the app shows the consent screen.
consent-voice-needed = Before I listen to your voice, I need your agreement. The question is on your screen now. You can also type or tap.
# Said when speech arrives after she declined (or withdrew): the audio is dropped unheard, and
# nothing asks her again.
consent-voice-declined = You chose not to use your voice, so I did not listen. You can type or tap, or turn voice on in this app's settings.
