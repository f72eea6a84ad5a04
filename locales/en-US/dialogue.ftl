# The voice assistant's replies. Short sentences, one question at a time.
# Amounts arrive in words for speech; $masked arrives as "ending in …".

dlg-help = You can say: what's my balance, { $has_payee ->
    [yes] send fifty dollars to { $payee },{" "}
   *[no] {""}
}pay the electric bill, or lock my card. Say cancel to stop at any time, repeat to hear me again, or agent to talk to a person.
dlg-hello = Hello. { dlg-help }
dlg-welcome = You're welcome.
dlg-goodbye = Goodbye, and take care.
dlg-not-understood = Sorry, I didn't catch that. You can say "what's my balance"{ $has_payee ->
    [yes] {" "}or "send fifty dollars to { $payee }"
   *[no] {""}
}.
dlg-silence = I'm still here. Take your time.
dlg-silence-help = No rush. Say help if you'd like to hear what you can say.
dlg-rate-changed = All right.
dlg-volume-loudest = This is as loud as I can speak. Please turn up your phone's volume with the buttons on its side.
dlg-volume-quietest = This is as quiet as I can speak while you can still hear me.
dlg-pitch-lowest = This is as deep as my voice goes.
dlg-pitch-highest = This is as high as my voice goes.
dlg-handoff = I'm connecting you to a person now. Please hold.
dlg-bank-request = All right, one moment.
dlg-cancelled = All right, cancelled.
dlg-cancelled-payment = All right, cancelled. No money was sent.
dlg-nothing-to-cancel = There's nothing in progress to cancel.
dlg-nothing-to-confirm = There's nothing to confirm right now.
dlg-see-screen = Your transactions are on the screen. I'll read them to you.{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
dlg-no-transactions = I found no transactions for that.{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
dlg-cards = { $count ->
    [one] Here is your card:
   *[other] Here are your { $count } cards:
}
dlg-no-cards = There are no cards on your accounts.
dlg-alerts = { $count ->
    [one] You have one unread alert:
   *[other] You have { $count } unread alerts:
}
dlg-no-alerts = You have no unread alerts.
# Bills due within a month (overdue ones too), each then read as the view reads it.
dlg-bills = { $count ->
    [one] Here is your bill:
   *[other] Here are your { $count } bills:
}{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
dlg-no-bills = You have no bills due in the coming month.{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
# Whether money came in ("has my pension arrived"): the latest payments in, then read.
dlg-income = { $count ->
    [one] Here is the latest money that came in:
   *[other] Here are the latest { $count } payments that came in:
}{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
dlg-no-income = I found no money coming in for that.{ $stale ->
    [yes] {" "}The bank last updated your data { $age }.
   *[no] {""}
}
dlg-appointments = { $count ->
    [one] Here is your appointment or request with the bank:
   *[other] Here are your { $count } appointments and requests with the bank:
}
dlg-no-appointments = You have no appointments or open requests with the bank.
# $pending, $pending_count: the part of $total the bank has not booked yet, and in how many payments.
# $biller: the biller, shop or person paid, as the bank names it.
dlg-spending-total = { $on ->
    [unsorted] I can add up spending by kind, such as groceries, eating out or the pharmacy, or by a shop or person you paid, but not by what you named. In all, from
   *[other] From
} { $from } to { $to }, { $total } { $on ->
    [groceries] went on groceries
    [dining] went on eating out
    [health] went on health and medicine
    [transport] went on getting around
    [shopping] went on shopping
    [utilities] went on utilities
    [cash] was taken out in cash
    [fees] went on bank fees
    [biller] went to { $biller }
   *[other] went out
}, in { $count ->
    [one] one payment
   *[other] { $count } payments
}.{ $pending_count ->
    [0] {""}
    [one] {" "}{ $pending } of it is still pending at the bank and may change.
   *[other] {" "}{ $pending } of it, in { $pending_count } payments, is still pending at the bank and may change.
}{ $stale ->
    [yes] {" "}That counts what the bank had { $age }, when it last updated your data.
   *[no] {""}
}{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
}
dlg-spending-none = { $on ->
    [unsorted] I can add up spending by kind, such as groceries, eating out or the pharmacy, or by a shop or person you paid, but not by what you named. In all, from
   *[other] From
} { $from } to { $to }, { $on ->
    [groceries] nothing went on groceries
    [dining] nothing went on eating out
    [health] nothing went on health and medicine
    [transport] nothing went on getting around
    [shopping] nothing went on shopping
    [utilities] nothing went on utilities
    [cash] no cash was taken out
    [fees] no bank fees were charged
    [biller] nothing went to { $biller }
   *[other] nothing went out
}.{ $stale ->
    [yes] {" "}That counts what the bank had { $age }, when it last updated your data.
   *[no] {""}
}{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
}
dlg-no-data = There is no account information on this device yet. Please connect and try again.

# $measure: principal for a time deposit, else available. $stale: yes when the bank last
# updated the balance long enough ago to say when ($age, "3 hours ago").
dlg-balance = { $account }, { $masked }: { $measure ->
    [principal] a principal of { $amount }{ $maturity ->
        [yes] , maturity date { $matures }
       *[no] {""}
    }
   *[available] { $amount } available
}.{ $stale ->
    [yes] {" "}That was { $age }, when the bank last updated it.
   *[no] {""}
}{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
}
dlg-balance-offline = { $account }, { $masked }: { $measure ->
    [principal] a principal of { $amount }{ $maturity ->
        [yes] , maturity date { $matures }
       *[no] {""}
    }
   *[available] { $amount } available
}. That was { $age }; I can't reach the bank right now.{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
}
dlg-accounts-intro = You have { $count ->
    [one] one account
   *[other] { $count } accounts
}:
dlg-balance-owed = { $account }, { $masked }: { $standing ->
    [credit] you're { $owed } in credit, nothing to repay
   *[owe] you owe { $owed }
}.{ $credit ->
    [yes] {" "}{ $amount } of credit is left.
   *[no] {""}
}{ $due ->
    [yes] {" "}Payment is due { $due_on }.
   *[no] {""}
}{ $online ->
    [no] {" "}That was { $age }; I can't reach the bank right now.
   *[yes] { $stale ->
        [yes] {" "}That was { $age }, when the bank last updated it.
       *[no] {""}
    }
}{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
}

dlg-ask-payee = Who would you like to send money to?
dlg-ask-amount = How much would you like to send?
dlg-amount-not-positive = The amount has to be more than zero. How much would you like to send?
dlg-ask-biller = Which bill would you like to pay? For example electric, water, phone or gas.
dlg-ask-card = Which card? Say the last four digits, or say credit card or debit card.
dlg-ask-card-unlock = Which card should I unlock? Say the last four digits, or say credit card or debit card.
dlg-no-card-locked = None of your cards is locked; they all work as usual.
dlg-every-card-locked = All your cards are already locked; nobody can use them.
dlg-card-not-locked = Your card { $masked } isn't locked; it works as usual.
dlg-card-already-locked = Your card { $masked } is already locked; nobody can use it.
dlg-which-one = Did you mean { $choices }? { $by ->
    [ending] Please say the last four digits of their account.
   *[name] Please say the full name.
}
dlg-payees = You can send money to your trusted payees: { $payees }. For example, say "send fifty dollars to { $payee }".
dlg-no-payees = You have no trusted payees yet. A payee has to be added at a branch or in online banking before you can send them money.
# An account's or a card's number is said only by its last four digits ($name: the bank's name for it; $masked: "ending in 3921").
dlg-number-account = { $name }: the account number { $masked }.
dlg-number-card = { $name }: the card number { $masked }.
dlg-number-why = For your safety I only ever say the last four digits.{ $whose ->
    [payee] {" "}The full number is with your payees in online banking.
   *[hers] {" "}The full number is printed on your card and on your bank statements.
}
dlg-unknown-payee = That person isn't one of your trusted payees. For your safety, you can only send money to trusted payees: { $payees }. A new payee has to be added at a branch or in online banking first. Who would you like to send money to?
dlg-unknown-payee-named = “{ $name }” isn't one of your trusted payees. For your safety, you can only send money to trusted payees: { $payees }. A new payee has to be added at a branch or in online banking first. Who would you like to send money to?
dlg-nothing-due = There's no { $target } bill due right now.
dlg-cannot-pay-from = Payments can't be made from your { $account }. They go from your current or savings account.
# Money moved between her own accounts: never back to the account it leaves, nor by voice
# into a time deposit or a loan.
dlg-move-which-account = Did you mean { $choices }? Please say it again with the last four digits, for example "move fifty dollars to the account ending in 1234".
dlg-more-than-owed = Your { $account } owes { $owed }, so no more than that can be paid on it. How much would you like to pay?
dlg-card-owes-nothing = Your { $account } owes nothing right now, so there is nothing to pay.
dlg-move-same-account = The money would leave your { $account }, so it can't go to it as well. Nothing was moved.
dlg-cannot-move-to = Money can't be moved into your { $account } by voice. A time deposit or a loan is handled at a branch or in online banking.
dlg-amount-other-currency = Your { $account } holds { $currency ->
    [CNY] yuan
    [USD] US dollars
    [EUR] euros
    [GBP] pounds
    [HKD] Hong Kong dollars
    [JPY] yen
   *[other] { $currency }
}, so it pays only in that currency.
dlg-insufficient = You have { $available } available, which isn't enough.{ $fresh ->
    [no] {" "}That doesn't include the payment you just made yet.
   *[yes] {""}
} How much would you like to send?
dlg-over-limit = That's over your daily limit of { $limit }. How much would you like to send?
dlg-over-limit-left = Today you can still send { $remaining } of your daily limit of { $limit }. How much would you like to send?
dlg-what-to-change = All right, nothing was sent. What should I change: who it goes to, or how much?
dlg-offline-no-payments = I can't reach the bank right now, so I can't send money or pay bills, and no money will move. The balance you hear is from { $age }. Please try again when you're connected.

# $new_payee, $recent_payee: yes or no; $large: usual (much more than usual), half (more than half
# the account), no; then the scam cue heard: the reasons for the warning.
dlg-scam-cue = { $cue_kind ->
    [pressure] You said “{ $cue }”. Someone rushing you to send money is a common sign of a scam.
    [secrecy] You said “{ $cue }”. Someone asking you to keep a payment from your family is a common sign of a scam.
    [safe_account] You said “{ $cue }”. There is no such thing as a safe account; whoever asks you to move money into one is a scammer.
    [authority] You said “{ $cue }”. The police, the courts, the IRS and Social Security never ask for money over the phone.
    [refund] You said “{ $cue }”. Real customer service never asks you to pay before a refund.
    [task] You said “{ $cue }”. Jobs that pay you to do tasks after you pay first are scams.
    [prize] You said “{ $cue }”. A prize you have to pay for first is a scam.
    [code] You said “{ $cue }”. Never give a verification code to anyone.
    [gift_cards] You said “{ $cue }”. Nobody real asks to be paid in gift cards.
    [family_emergency] You said “{ $cue }”. When someone says family is in trouble and needs money, call your family yourself first.
    [investment] You said “{ $cue }”. An investment that promises sure returns is a common scam.
   *[none] {""}
}
dlg-scam-story-heard = Please be careful. { dlg-scam-cue }
dlg-scam-warning = Please be careful. { $new_payee ->
    [yes] You haven't sent money to { $target } before.{" "}
   *[no] {""}
}{ $recent_payee ->
    [yes] { $target } was added to your payees only recently.{" "}
   *[no] {""}
}{ $large ->
    [usual] This is much more than you usually send.{" "}
    [half] This is more than half of the money in this account.{" "}
   *[no] {""}
}{ dlg-scam-cue } You can stop and check with your family first. Do you want to continue? Say yes or no.

dlg-readback-transfer = Send { $amount } to { $target }, { $masked }, from your account { $from }. Is that right? Say yes or no.
dlg-readback-move = Move { $amount } to your own { $target }, { $masked }, from your account { $from }. Is that right? Say yes or no.
dlg-readback-bill = Pay { $amount } to { $target }, { $masked }, from your account { $from }. Is that right? Say yes or no.
dlg-bill-full-amount-only = { $target } takes only the whole bill: { $amount }, not { $asked }.
dlg-step-up = Please confirm this payment with your fingerprint or PIN.
dlg-step-up-not-understood = I didn't catch that, so nothing has been sent.
dlg-step-up-failed = The identity check wasn't completed. No money was sent.
dlg-sending = Working on it, one moment.
dlg-still-sending = Still working on it, one moment.
dlg-payment-done = Done: { $amount } sent to { $target }.
dlg-payment-held = Submitted: { $amount } to { $target }. For your safety { $minutes ->
    [0] the bank holds it for a short while before it goes
    [one] it waits one more minute before it goes
   *[other] it waits { $minutes } more minutes before it goes
}, and you can say cancel until then.
dlg-payment-refused = That didn't go through, and no money was sent: { $reason }.
dlg-payment-not-sent = I couldn't reach the bank, so the payment was not sent and no money moved.
dlg-payment-checking = The bank hasn't answered yet, so I don't know whether the money was sent. I'm checking with the bank. Please don't send it again.
dlg-payment-still-checking = I still have no answer from the bank about that payment. I'll keep checking. Please don't send it again.
dlg-payment-unresolved = I'm still checking whether your last payment went through. Let's wait for the bank's answer before sending another.
dlg-payment-cancelled = Cancelled. The bank has stopped the payment of { $amount } to { $target }, and the money stays in your account.
dlg-cancel-refused = The bank couldn't cancel the payment of { $amount } to { $target }: { $reason }.
dlg-cancel-unknown = I couldn't get the bank's answer, so I can't say yet whether the payment to { $target } was cancelled. Say cancel again to try once more.
dlg-cannot-cancel-sent = The payment to { $target } has already been made, so it can't be cancelled now.
dlg-confirm-cancel-held = The bank still holds your payment of { $amount } to { $target }. Do you want me to stop it? Say yes or no.
dlg-cancel-held-kept = All right, I won't stop it. The payment of { $amount } to { $target } goes when its hold ends.
dlg-bill-held-already = You've already paid { $amount } to { $target } just now, so I won't pay it again. To stop that payment, say cancel.
dlg-bill-paid-already = You've already paid { $amount } to { $target } just now, so I won't pay it again.

dlg-card-locked = Your card { $masked } is locked.
dlg-card-unlocked = Your card { $masked } is unlocked.
dlg-readback-unlock = Unlock your card { $masked }? Anyone who has it could use it again. Say yes or no.
dlg-step-up-unlock = Please confirm unlocking the card with your fingerprint or PIN.
dlg-unlock-step-up-not-understood = I didn't catch that, so the card is still locked.
dlg-unlock-step-up-failed = The identity check wasn't completed, so your card { $masked } stays locked.
dlg-unlock-kept-locked = All right, your card { $masked } stays locked.
dlg-card-lock-queued = I can't reach the bank right now. Your card { $masked } will be locked as soon as the bank can be reached. If it was lost or stolen, say agent: a person at the bank can stop it at once.
dlg-card-unlock-queued = I can't reach the bank right now. Your card { $masked } will be unlocked as soon as the bank can be reached.
dlg-card-lock-unconfirmed = I've asked the bank to lock your card { $masked }, but its confirmation hasn't come yet. I'll ask again and tell you when it's confirmed. If it was lost or stolen, say agent: a person at the bank can stop it at once.
dlg-card-unlock-unconfirmed = I've asked the bank to unlock your card { $masked }, but its confirmation hasn't come yet. I'll ask again and tell you when it's confirmed.
dlg-card-action-not-sent = I can't reach the bank right now, so nothing changed for your card { $masked }. Please try again when the phone is online.
dlg-card-action-refused = The bank didn't accept that for your card { $masked }, so nothing changed: { $reason }.

# Labels of a typed conversation in the desktop harness.
chat-you = You
chat-assistant = Assistant
chat-step-up-approved = [desktop demo: identity confirmed by the device key]
chat-speech-rate = [speech rate: { $rate }%]
chat-volume = [volume: { $volume }%]
chat-pitch = [pitch: { $pitch }%]
chat-heard = [heard: { $text }]
chat-consent-needed = [the app shows its consent screen: { $purpose }]
chat-handoff = [connecting to a person]
chat-bank-request = [for the bank's app: { $intent } { $slots }]

# The scenario report (`tingshuo scenario run`): its labels, in the scenario's language.
report-title = Tingshuo scenario report
report-summary = { $passed } of { $total } scenarios passed.
report-failures-first = Failed scenarios come first, and in each, failed checks and expectations first.
report-contents = Scenarios
report-passed = Passed
report-failed = Failed
report-file = File
report-locale = Language
report-customer = Customer
report-clock = Clock
report-latency = Time (ms)
report-latency-summary = Median { $median } ms, slowest { $max } ms, over { $count } turns.
report-error = The scenario could not run to its end: { $error }
report-checks-heading = Accessibility checks
report-check = Check
report-clause = Clause
report-result = Result
report-measured = Measured
report-findings = Findings
report-none = None
report-turn-number = Turn { $turn }
report-expectations-heading = Expectations
report-turn = Turn
report-expectation = What is checked
report-expected = Expected
report-actual = Actual
report-turns-heading = Turns
report-input = What the customer did
report-heard = Heard
report-intent = Understood as
report-state = State after
report-replies = Replies (shown, then spoken)
report-audio-label = Reply { $number } of turn { $turn }, spoken
report-input-wav = Spoke the recording { $file }
report-input-silence = Said nothing
report-input-step-up-approved = Step-up: approved
report-input-step-up-failed = Step-up: failed
report-input-step-up-automatic = Answered by the runner: { $result }
report-input-wait = Waited { $ms } ms (the device may retry meanwhile)
report-input-bank = The bank changes: { $condition }
report-input-consent-agreed = Agreed on the consent screen “{ $title }”
report-input-consent-declined = Declined on the consent screen “{ $title }”
report-condition-online = online
report-condition-offline = offline, cannot be reached
report-condition-refusal = refuses payments
report-condition-hold = holds payments
report-condition-lost-answers = loses its answers to payments
report-condition-step-up-failing = the identity check fails
report-check-read-back = Read back and confirmed before money moves
report-check-one-question = One question at a time
report-check-redundant-entry = Nothing asked again
report-check-no-time-limit = No time limit
report-check-speech-form = Everything shown is also said
report-check-plain-language = Short sentences, plain words
report-check-masked-data = Numbers masked, no secrets
report-check-answer-words = The answer words offered are understood
report-check-speech-rate = Speech rate a minute (words, or characters in Chinese)
report-expect-intent = Intent
report-expect-messages = Message said
report-expect-not-messages = Message not said
report-expect-words = Words said
report-expect-payment = Payment at the bank
report-expect-state = State after
report-expect-step-up = Step-up asked
report-expect-card = Card at the bank
report-finding-no-read-back = Money would move without a read-back the customer confirmed.
report-finding-questions = { $count } questions in one turn.
report-finding-asked-again = The { $slot } was asked for again, though the customer had said it.
report-finding-silence-unanswered = A silence got no spoken prompt.
report-finding-silence-ended = A silence ended the conversation.
report-finding-silence-moved = A silence moved the conversation from { $from } to { $to }.
report-finding-nothing-said = Nothing was said.
report-finding-shown-not-said = Shown but not said: { $text }
report-finding-step-up-unsaid = The step-up was asked for without saying so.
report-finding-long-sentence = A sentence of { $length } words (at most { $max }): { $sentence }
report-finding-jargon = A word few customers know: { $word }
report-finding-c2-unmasked = A full account, card, ID or phone number in the { $place ->
    [display] text shown
    [speech] speech
    [input] text typed
    [heard] words heard
   *[log] log
    }.
report-finding-long-number = A long unmasked number in the { $place ->
    [display] text shown
    [speech] speech
    [input] text typed
    [heard] words heard
   *[log] log
    }.
report-finding-c3 = A PIN, password or code in the { $place ->
    [display] text shown
    [speech] speech
    [input] text typed
    [heard] words heard
   *[log] log
    }.
report-finding-offered-not-understood = The prompt offers “{ $words }”, which the assistant does not understand.
report-finding-rate = { $rate } a minute, outside { $low }–{ $high }.

# A payment sent earlier whose payee, biller or account is no longer in her data: its outcome
# is told by amount with these words for whom it went to. $kind: transfer, bill or move.
payment-target-unnamed = { $kind ->
    [bill] the bill you chose
    [move] the account you chose
   *[transfer] the person you chose
}
