-- Rows of the bank's feed whose account or biller has not come yet (a transaction listed
-- before the account that a later payment changed, or a card of an account the bank never
-- sent): kept aside, sealed, and applied with the page that brings their parent. The rest
-- of each page is applied and the cursor moves, so one such row holds back nothing else.
CREATE TABLE waiting_patch (
    key   TEXT PRIMARY KEY NOT NULL,  -- the patch's kind, ':', its id
    patch BLOB NOT NULL               -- C2: the bank's patch (JSON), sealed
);
