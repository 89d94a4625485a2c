#
# The columns and the indexes `keysync migrate` adds to fe_users, declared so
# that TYPO3's database analyzer knows them and never proposes to rename them
# to zzz_deleted_* or to change them. Keep them identical to what keysync
# creates (sources/typo3/schema.go; a test compares the two on MariaDB).
# A number template producing values longer than 32 characters makes keysync
# create wider columns: declare the same width here then.
#
CREATE TABLE fe_users (
	tx_keysync_customer_number varchar(32) DEFAULT '' NOT NULL,
	tx_keysync_wibisoft_hh_id varchar(32) DEFAULT '' NOT NULL,
	tx_keysync_wibisoft_pe_id varchar(32) DEFAULT '' NOT NULL,

	KEY tx_keysync_pending (tx_keysync_customer_number,deleted,disable),
	KEY tx_keysync_changed (tstamp,uid)
);
