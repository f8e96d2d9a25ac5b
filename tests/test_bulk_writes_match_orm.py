from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo.tests import tagged
from odoo.tools import SQL

from .common import DunningCommon

# mail.message columns that differ between any two messages, whoever writes them.
OWN_VALUES = {"id", "res_id", "message_id", "date", "create_date", "write_date"}


@tagged("post_install", "-at_install")
class TestBulkWritesMatchOrm(DunningCommon):
    """Where the nightly job writes rows with SQL instead of the ORM (because
    the ORM path costs real time at 50,000 invoices: README, Figures), it
    writes what the ORM would have written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-05-29")
        cls.day = cls.due + timedelta(days=1)

    def _stored(self, table, column, ids):
        """The values of a numeric column exactly as PostgreSQL stores them."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s::text FROM %s WHERE id = ANY(%s) ORDER BY 1",
                SQL.identifier(column),
                SQL.identifier(table),
                list(ids),
            )
        )
        return [Decimal(row[0]) for row in self.env.cr.fetchall()]

    def test_amounts_written_by_the_night_are_rounded_to_the_currency(self):
        """Float sums such as 100.10 + 200.20 (300.29999999999995) are stored
        as the ORM stores a monetary amount: rounded to the currency."""
        invoices = self._create_invoice(
            self.customer, self.due, amount=100.10
        ) | self._create_invoice(self.customer, self.due, amount=200.20)
        run = self._run_cron(self.day)
        reminder = run.action_ids
        self.assertEqual(len(reminder), 1)
        self.assertEqual(
            self._stored("account_dunning_action", "amount_due", reminder.ids),
            [Decimal("300.30")],
            "not 300.29999999999995",
        )
        lines = reminder.line_ids
        self.assertEqual(lines.move_id, invoices)
        for column in ("amount_total", "amount_residual"):
            self.assertEqual(
                self._stored("account_dunning_action_line", column, lines.ids),
                [Decimal("100.10"), Decimal("200.20")],
            )

    def test_chatter_notes_read_as_message_log_batch(self):
        """The notes of a night (one INSERT) hold, field by field, what
        `_message_log_batch` writes for the same body."""
        other = self._create_customer("Note ORM")
        body = Markup("<p>Relance « Premier rappel » par e-mail : F001, 10,00 €</p>")
        self.env["account.dunning.send"]._insert_notes(
            ["res.partner"], [self.customer.id], [str(body)]
        )
        orm = other._message_log_batch({other.id: body})
        bulk = self.customer.message_ids.filtered(lambda m: m.body == body)
        self.assertEqual(len(bulk), 1)
        Message = self.env["mail.message"]
        stored = [
            name
            for name, field in Message._fields.items()
            if field.store and name not in OWN_VALUES
        ]
        self.assertIn("reply_to", stored)
        for name in stored:
            with self.subTest(field=name):
                self.assertEqual(bulk[name], orm[name])
        self.assertTrue(bulk.message_id)
