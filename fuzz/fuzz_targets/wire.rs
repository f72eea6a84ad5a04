//! The bank's pages of changes on any bytes: JSON parsing (serde_json) of a `ChangesResponse`
//! or a lone `Patch`, then `Patch::into_change`'s validation. No panic; what is accepted keeps
//! the limits the wire module states (amounts within ±MAX_ABS_AMOUNT_MINOR); a JSON error is
//! described without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingshuo_base::money::Money;
use tingshuo_base::wire::{
    Change, ChangesResponse, MAX_ABS_AMOUNT_MINOR, Patch, Record, describe_json_error,
};

fn within(money: &Money) -> bool {
    money
        .minor()
        .checked_abs()
        .is_some_and(|abs| abs <= MAX_ABS_AMOUNT_MINOR)
}

fn check(patch: Patch) {
    let id = patch.id.clone();
    let Ok(change) = patch.into_change() else {
        return;
    };
    let Change::Put(record) = change else {
        return;
    };
    match &record {
        Record::Account(account, _) => {
            assert!(within(account.balance.available.reveal()), "account {id}");
            assert!(within(account.balance.booked.reveal()), "account {id}");
        }
        Record::Transaction(transaction) => {
            assert!(within(transaction.amount.reveal()), "transaction {id}");
        }
        Record::Bill(bill) => assert!(within(bill.amount.reveal()), "bill {id}"),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<ChangesResponse>(data) {
        Ok(page) => page.patches.into_iter().for_each(check),
        Err(error) => {
            let _ = describe_json_error(&error);
        }
    }
    match serde_json::from_slice::<Patch>(data) {
        Ok(patch) => check(patch),
        Err(error) => {
            let _ = describe_json_error(&error);
        }
    }
});
