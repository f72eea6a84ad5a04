# Shared building blocks: masked numbers, dates, relative times, lists.
# Variables of every message must match zh-CN (a test checks it).

# $last4: the last four digits (spoken: one by one).
masked-ending = ending in { $last4 }
# $first, $last: first and last character of an ID number.
masked-id-number = ID number starting with { $first } and ending with { $last }

date-month-day = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $day }
# A date that may lie in another year (a maturity date): the month and day, then the year.
date-year-month-day = { date-month-day }, { $year }
time-of-day = { $hour12 }:{ $minute } { $pm ->
    [yes] PM
   *[no] AM
}
date-and-time = { $date }, { $time }

freshness-just-now = just now
freshness-minutes-ago = { $count ->
    [one] one minute ago
   *[other] { $n } minutes ago
}
freshness-hours-ago = { $count ->
    [one] one hour ago
   *[other] { $n } hours ago
}
freshness-days-ago = { $count ->
    [one] one day ago
   *[other] { $n } days ago
}
freshness-on-date = on { $date }

list-separator = {", "}
list-or = {" or "}
list-and = {" and "}
# Two items with the same name, told apart by their number's ending: "Alice Chen ending in 1234".
choice-with-ending = { $name } { $masked }

# What an app tells the customer when a call into the core fails (the bindings' describe()):
# one sentence per error code, none naming her data. $reason: request-reason's words (102).
app-error-offline = The bank can't be reached right now, and nothing that moves money was done. Please try again in a little while.
app-error-session-expired = This phone is no longer set up with the bank. Please set it up again with a code from the bank.
app-error-device-revoked = This phone was removed from your bank account, so your information on it has been deleted. To use it again, set it up with a new code from the bank.
app-error-bank-intents = The voice assistant can't start because of a problem in this app's setup. Please use the app's screens for now.

# What a logout left undone, told to her (LogoutResult.describe): always the first line, then
# each that applies. $count: how many.
app-logout-done = You're signed out. Your information has been deleted from this phone.
app-logout-not-revoked = The bank couldn't be told that this phone is no longer in use. Please remove it from your other phone, or call the bank.
app-logout-card-locks = { $count ->
    [one] The bank never confirmed the card lock you asked for. Please call the bank now to lock the card.
   *[other] The bank never confirmed { $count } card locks you asked for. Please call the bank now to lock the cards.
}
app-logout-requests = { $count ->
    [one] One other request you made was never confirmed by the bank.
   *[other] { $count } other requests you made were never confirmed by the bank.
}
app-logout-payments = { $count ->
    [one] One payment was still being checked. The bank can tell you how it ended.
   *[other] { $count } payments were still being checked. The bank can tell you how they ended.
}
app-logout-unknown = What you had asked for couldn't be checked. Please call the bank to make sure your card locks and payments went through.
app-error-refused = That didn't go through: { $reason }.
app-error-store-rebuild = Something saved on this phone was damaged. Your information is being fetched again from the bank.
app-error-store-newer = The information saved on this phone was written by a newer version of the app. Please update the app.
app-error-model-missing = Speech recognition is not installed on this phone. You can type instead.
app-error-cancelled = Cancelled.
app-error-host = This phone's security check didn't work. Please try again.
app-error-storage-unavailable = This phone's storage is full or busy just now. Nothing was lost. Please free some space and try again.
app-error-already-sent = This payment was already confirmed once, so it was not sent again. You can check how it went, or start a new payment.
app-error-internal = Something went wrong in the app. Please try again.
