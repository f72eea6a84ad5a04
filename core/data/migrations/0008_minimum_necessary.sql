-- Minimum necessary: the app never used the customer's ID number or phone, so the store no
-- longer keeps them (the bank may still send them; they are ignored). Dropping the columns
-- rewrites the table, and secure_delete zeroes the pages they were in.
ALTER TABLE customer DROP COLUMN id_number;
ALTER TABLE customer DROP COLUMN phone;
