-- Sealed values are now bound to plaintext of their row (an amount to its account and
-- currency, a payee's name to the relationship, a card's number to its account and kind...):
-- values sealed before cannot open under the new binding. The cached view is dropped and
-- fetched again in full; what the customer asked for (outbox, payment attempts, consent)
-- stays.
DELETE FROM txn;
DELETE FROM card;
DELETE FROM bill;
DELETE FROM payee;
DELETE FROM account;
DELETE FROM payment;
DELETE FROM sync_state WHERE key = 'cursor';
