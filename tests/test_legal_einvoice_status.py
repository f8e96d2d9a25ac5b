from datetime import date, datetime, timedelta

from odoo.tests import Form, tagged
from odoo.tools import html2plaintext

from .common import DunningCommon

LETTER_REPORT = "account_dunning.action_report_dunning_letter"


@tagged("post_install", "-at_install")
class TestLegalEinvoiceStatus(DunningCommon):
    """What the buyer's e-invoicing platform says of an invoice gates its
    reminders (DOMAIN.md §8, T17): refused, no reminder; payment transmitted,
    none for the grace days; partly paid, reminded for the rest; and the
    formal notice quotes the status proving receipt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = date(2026, 3, 2)
        cls.invoice = cls._create_invoice(
            cls.customer, cls.due, amount=10000.0, invoice_date=date(2026, 1, 31)
        )
        cls.Status = cls.env["account.dunning.einvoice.status"]

    def _receive(self, code, when, amount=0.0):
        """A status entered by hand on the invoice form (credit controller)."""
        form = Form(self.invoice)
        with form.dunning_einvoice_status_ids.new() as status:
            status.code = code
            status.date = when
            status.amount = amount
        form.save()

    def test_t17_refused_invoice_gets_no_reminder_and_the_run_counts_it(self):
        self._receive("200", datetime(2026, 1, 31, 9, 0))
        self._receive("210", datetime(2026, 2, 10, 14, 0))
        self.assertEqual(self.invoice.dunning_einvoice_status, "210")
        self.assertEqual(
            self.invoice.dunning_einvoice_status_date, datetime(2026, 2, 10, 14, 0)
        )
        run = self._run(self.due + timedelta(days=1))
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_einvoice_refused, 1)
        # the "Relancer" dialog says why
        wizard = Form(
            self.env["account.dunning.wizard"].with_context(
                active_model="account.move", active_ids=self.invoice.ids
            )
        )
        with wizard.line_ids.edit(0) as line:
            self.assertIn("refused by the buyer (210)", line.warning)

    def test_t17_payment_transmitted_holds_reminders_for_the_grace_days(self):
        self.assertEqual(self.company.dunning_einvoice_grace_days, 5)
        # received on 3 March 2026 at 10:00 in Paris (09:00 UTC)
        self._receive("211", datetime(2026, 3, 3, 9, 0))
        run = self._run(date(2026, 3, 7))
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_einvoice_paused, 1)
        run = self._run(date(2026, 3, 8))
        self.assertEqual(run.action_ids.line_ids.move_id, self.invoice)
        self.assertEqual(run.action_ids.level_id, self.level_first)
        self.assertEqual(run.skip_einvoice_paused, 0)

    def test_t17_paid_on_the_platform_reminded_for_the_rest(self):
        # Odoo's standard import of the platform's file (what base_import
        # calls): invoice number, status, date received, amount
        result = self.Status.load(
            ["move_id", "code", "date", "amount"],
            [[self.invoice.name, "212", "2026-03-02 15:00:00", "4000"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(self.invoice.dunning_einvoice_status, "212")
        self.assertEqual(self.invoice.dunning_einvoice_paid_amount, 4000.0)
        # not paid in Odoo yet
        self.assertEqual(self.invoice.amount_residual, 10000.0)
        reminder = self._run(date(2026, 3, 3)).action_ids
        self.assertEqual(reminder.level_id, self.level_first)
        self.assertEqual(reminder.amount_due, 6000.0)
        self.assertEqual(reminder.line_ids.amount_residual, 6000.0)
        # once the 4 000 are recorded, the rest is still 6 000, not 2 000
        self._pay(self.invoice, amount=4000.0, day=date(2026, 3, 4))
        self.assertEqual(self.invoice.amount_residual, 6000.0)
        reminder = self._run(date(2026, 3, 10)).action_ids
        self.assertEqual(reminder.level_id, self.level_call)
        self.assertEqual(reminder.amount_due, 6000.0)

    def test_t17_formal_notice_quotes_the_platform_status(self):
        # deposited on 31 January 2026 at 09:30 in Paris, made available on
        # 2 February at 08:15
        self.Status.create(
            [
                {
                    "move_id": self.invoice.id,
                    "code": "200",
                    "date": datetime(2026, 1, 31, 8, 30),
                },
                {
                    "move_id": self.invoice.id,
                    "code": "203",
                    "date": datetime(2026, 2, 2, 7, 15),
                },
            ]
        )
        self._set_level(self.invoice, self.level_last_call)
        run = self._run(self.due + timedelta(days=self.level_notice.delay))
        letter = run.action_ids.filtered(
            lambda a: a.is_formal_notice and a.channel == "letter"
        )
        self.assertEqual(len(letter), 1)
        letter.action_validate()
        html = self.env["ir.actions.report"]._render_qweb_html(
            LETTER_REPORT, letter.ids
        )[0]
        text = html2plaintext(html.decode())
        self.assertIn("FORMAL NOTICE TO PAY", text)
        self.assertIn(
            f"Invoice {self.invoice.name}: on the e-invoicing platform since "
            "02/02/2026 08:15 (status 203 Made available to the buyer).",
            text,
        )
        # a friendly reminder does not quote it
        self.assertNotIn("e-invoicing platform", self._first_letter_text())

    def _first_letter_text(self):
        self.level_first.send_letter = True
        other = self._create_invoice(self.customer, date(2026, 5, 4), amount=50.0)
        self.Status.create(
            {"move_id": other.id, "code": "200", "date": datetime(2026, 4, 1, 8, 0)}
        )
        letter = self._run(date(2026, 5, 4)).action_ids.filtered(
            lambda a: a.channel == "letter"
        )
        if letter.state == "draft":
            letter.action_validate()
        html = self.env["ir.actions.report"]._render_qweb_html(
            LETTER_REPORT, letter.ids
        )[0]
        return html2plaintext(html.decode())
