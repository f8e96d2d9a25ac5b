from datetime import date, datetime
from decimal import Decimal

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.account_dunning.lib.sql import array_literal


@tagged("post_install", "-at_install")
class TestBulkInsert(TransactionCase):
    """The engine hands PostgreSQL whole columns as array literals: whatever a
    chatter note or a call note holds comes back unchanged."""

    def _round_trip(self, values, sql_type):
        self.env.cr.execute(
            SQL("SELECT %s::%s[]", array_literal(values), SQL(sql_type))
        )
        return self.env.cr.fetchone()[0]

    def test_text_comes_back_unchanged(self):
        values = [
            'Relance "Premier rappel" : facture {FAC/2026/0001}',
            "C:\\Compta\\relances",
            None,
            "<p class='x'>Montant dû : 1\N{NO-BREAK SPACE}200,00 €</p>",
            "",
            "NULL",
            "a,b",
        ]
        self.assertEqual(self._round_trip(values, "text"), values)

    def test_numbers_dates_and_booleans(self):
        self.assertEqual(self._round_trip([1, None, -7], "int4"), [1, None, -7])
        self.assertEqual(
            self._round_trip([1234.56, Decimal("0.10"), 1e-05], "numeric"),
            [1234.56, 0.1, 0.00001],  # Odoo reads numeric as float
        )
        self.assertEqual(
            self._round_trip([date(2026, 3, 2), None], "date"), [date(2026, 3, 2), None]
        )
        moment = datetime(2026, 3, 2, 2, 30, 15, 123456)
        self.assertEqual(self._round_trip([moment], "timestamp"), [moment])
        self.assertEqual(self._round_trip([True, False], "bool"), [True, False])
