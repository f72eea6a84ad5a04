# The unified customer view, read line by line by a screen reader or the speech engine.
# Amounts and counts arrive already formatted for the form (display or speech).

view-greeting = Hello, { $name }. Here is your account overview, updated { $freshness }.
view-local-changes = Some items are changes made on this device that the bank has not confirmed yet.
# Records a newer bank sent that this version of the app cannot read: left out of the view,
# or shown as they last were (an account, with its age).
view-records-left-out = This version of the app could not read some of your bank's records, so some information may be missing or out of date. Updating the app should fix this.
view-empty = There is no account information on this device yet. Please connect to sync.
store-rebuilt = The data saved on this device could not be read, so it was set up again. Please connect to sync. Your accounts and money are not affected.

view-heading-accounts = Accounts
view-heading-bills = Bills to pay
view-heading-pending = Pending transactions
view-heading-recent = Recent transactions
view-heading-cards = Cards
view-heading-alerts = Alerts
view-heading-service = Appointments and support tickets

# $account: the bank's name for the account; $masked: "ending in 3921".
view-account-deposit = { $account }, { $masked }: { $available } available{ $differs ->
    [yes] , { $booked } booked
   *[no] {""}
} (updated { $freshness }).
view-account-time-deposit = { $account }, { $masked }: { $booked } deposited, matures { $matures } (updated { $freshness }).
view-account-credit-card = { $account }, { $masked }: { $standing ->
    [credit] { $owed } in credit
   *[owe] you owe { $owed }
}, { $available } of credit available (updated { $freshness }).
view-account-loan = { $account }, { $masked }: { $standing ->
    [credit] paid off, { $owed } over
   *[owe] { $owed } left to repay
} (updated { $freshness }).
view-funds-total = Available in your deposit accounts: { $amount }.

# $held: yes when a payment she made that the bank still holds has paid it (the bank keeps the
# bill due until the hold ends).
view-bill = { $biller }: { $amount }, { $held ->
    [yes] you've already made a payment for it
   *[no] { $due }
}.
view-no-bills = No bills are due soon.
due-today = due today
due-tomorrow = due tomorrow
due-in-days = { $count ->
    [one] due in one day
   *[other] due in { $n } days
}
due-overdue = { $count ->
    [one] one day overdue
   *[other] { $n } days overdue
}

view-pending-transaction = { $direction ->
    [in] Incoming { $amount } from
   *[out] Outgoing { $amount } to
} { $counterparty }, { $when }, pending.
view-no-pending = Nothing is pending.

view-transaction = { $date }: { $direction ->
    [in] received { $amount } from
   *[out] paid { $amount } to
} { $counterparty }.
view-transaction-pending = { $date }: { $direction ->
    [in] incoming { $amount } from
   *[out] outgoing { $amount } to
} { $counterparty }, pending.

# $status: locked, active, or a lock (unlock) asked for on this phone that the bank has not
# confirmed yet.
view-card = { $card }, { $masked }: { $status ->
    [locked] locked
    [lock_pending] lock asked for, not confirmed by the bank yet
    [unlock_pending] unlock asked for, not confirmed by the bank yet
   *[active] active
}.

view-payees = Trusted payees: { $names }.

view-alerts-unread = { $count ->
    [one] You have one unread alert.
   *[other] You have { $n } unread alerts.
}
view-alert = { $kind ->
    [large_transaction] Large transaction
    [low_balance] Low balance
    [new_device_login] New device signed in
    [new_device_added] New device added
    [bill_due] Bill due
   *[card_locked] Card locked
}, { $when }.

view-service-request = { $channel ->
    [branch] Appointment at { $location }
    [phone] Phone support ticket
   *[online] Online service request
}, reference { $reference }: { $status ->
    [scheduled] scheduled for { $when }
   *[open] in progress
}.

view-heading-requests = Requests waiting for the bank
# $action: what the customer asked for; $state: pending or refused; $reason: why the bank refused.
view-request = { $action }: { $state ->
    [refused] not accepted by the bank, { $reason }
   *[pending] waiting for the bank to confirm
}.
# $card: the card's name and its masked number.
request-lock-card = Lock { $card }
request-unlock-card = Unlock { $card }
request-mark-alert-read = Mark an alert as read
request-set-preferences = Change speech and display settings
request-other = A request
request-reason = { $code ->
    [not_found] the item was not found
    [limit_exceeded] it is over the daily limit
    [insufficient_funds] there is not enough money available
    [step_up_failed] the identity check did not pass
    [challenge_expired] the confirmation expired, please try again
    [not_cancellable] it can no longer be cancelled
    [new_device_cooling_off] this phone was added recently and can send only small amounts on its first day
    [device_revoked] this phone was removed from your account
    [step_up_cancelled] the identity check was not completed
    [on_device] it could not be prepared on this phone, so it never reached the bank
    [bank_unavailable] the bank could not take it just now
    [cancelled] it was cancelled at the bank
    [details_changed] the bank has changed its details since I read it to you; please ask again to hear it as it is now
    [device_key_lost] a change to this phone's fingerprints or screen lock reset its payment key, so the phone must be registered with the bank again
   *[other] the bank declined it
}
view-payments-unresolved = { $count ->
    [one] One payment is being checked with the bank; it will not be taken twice.
   *[other] { $n } payments are being checked with the bank; none will be taken twice.
}
