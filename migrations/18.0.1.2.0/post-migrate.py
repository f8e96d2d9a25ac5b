"""Columns of 18.0.1.1.0 that the reminders history now answers for.

The invoices' level, last reminder date and count are read from the history
(account.dunning.move.state); the invoice lines of a reminder no longer copy
its company and customer nor the invoice's currency, nor record who wrote them.
Odoo leaves the columns of removed fields in place: drop them, with their
index and foreign keys.
"""


def migrate(cr, version):
    cr.execute(
        """
        ALTER TABLE account_move
            DROP COLUMN IF EXISTS dunning_level_id,
            DROP COLUMN IF EXISTS dunning_last_date,
            DROP COLUMN IF EXISTS dunning_count
        """
    )
    cr.execute(
        """
        ALTER TABLE account_dunning_action_line
            DROP COLUMN IF EXISTS company_id,
            DROP COLUMN IF EXISTS partner_id,
            DROP COLUMN IF EXISTS currency_id,
            DROP COLUMN IF EXISTS create_uid,
            DROP COLUMN IF EXISTS create_date,
            DROP COLUMN IF EXISTS write_uid,
            DROP COLUMN IF EXISTS write_date
        """
    )
