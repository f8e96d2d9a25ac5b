from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationBankLines(DunningCommon):
    """Money in the bank not reconciled yet stops reminders: a bank statement
    line naming an invoice holds that invoice, a line of the customer naming
    no invoice holds the customer when it covers what is overdue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = cls._d("2026-06-30")
        cls.day = cls.due + timedelta(days=2)
        cls.bank = cls.company_data["default_journal_bank"]
        cls.other = cls._create_customer("Fromagerie Durand")

    def _bank_line(self, amount, label, partner=None, ref=None, day=None):
        """A payment received on the bank account, as a bank statement import
        leaves it: posted, not reconciled."""
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank.id,
                "date": day or self.due,
                "payment_ref": label,
                "ref": ref,
                "amount": amount,
                "partner_id": partner.id if partner else False,
            }
        )
        self.assertFalse(line.is_reconciled)
        return line

    def test_line_naming_the_invoice_holds_it(self):
        """The label of an unreconciled bank line names the invoice: the
        customer gets no reminder, and the run counts it under its cause."""
        invoice = self._create_invoice(self.customer, self.due, amount=1200)
        self._bank_line(1200, f"VIR SEPA BOULANGERIE MARTIN {invoice.name}")
        run = self._run_cron(self.day)
        self.assertFalse(self._actions())
        self.assertEqual(run.skip_bank_line, 1)
        self.assertFalse(invoice.dunning_level_id)

    def test_line_holds_only_the_invoices_it_names(self):
        """Named in lower case in the reference: that invoice waits, the other
        one is reminded; a longer number that merely starts with the invoice's
        does not name it."""
        named = self._create_invoice(self.customer, self.due, amount=500)
        other = self._create_invoice(self.customer, self.due, amount=700)
        self._bank_line(500, "VIREMENT", ref=f"reglement {named.name.lower()}")
        self._bank_line(900, f"VIR {other.name}9 AUTRE CLIENT")
        run = self._run_cron(self.day)
        self.assertEqual(self._actions().move_ids, other)
        self.assertEqual(run.skip_bank_line, 1)

    def test_line_naming_the_payment_reference(self):
        """The customer quoted the invoice's payment reference."""
        invoice = self._create_invoice(self.customer, self.due, amount=800)
        invoice.payment_reference = "RF18 5390 0754 7034"
        self._bank_line(800, "PRLV CLIENT RF18 5390 0754 7034 ECHEANCE JUIN")
        run = self._run_cron(self.day)
        self.assertFalse(self._actions())
        self.assertEqual(run.skip_bank_line, 1)

    def test_line_naming_the_invoice_of_another_customer(self):
        """A line of one customer naming the invoice of another holds the other
        customer's invoice, not the first customer's, even when it covers what
        the first customer owes."""
        mine = self._create_invoice(self.customer, self.due, amount=300)
        theirs = self._create_invoice(self.other, self.due, amount=300)
        self._bank_line(
            300, f"VIR SEPA PAIEMENT FACTURE {theirs.name}", partner=self.customer
        )
        run = self._run_cron(self.day)
        self.assertEqual(self._actions().move_ids, mine)
        self.assertFalse(self._actions(self.other))
        self.assertEqual(run.skip_bank_line, 1)
        self.assertFalse(theirs.dunning_level_id)

    def test_line_of_the_customer_covering_the_overdue_amount(self):
        """A line of the customer naming no invoice holds the customer when it
        covers the overdue amount; one that pays less leaves reminders go."""
        held = self._create_invoice(self.customer, self.due, amount=400)
        self._create_invoice(self.customer, self.due, amount=600)
        self._bank_line(1000, "VIR SEPA BOULANGERIE MARTIN", partner=self.customer)
        short = self._create_invoice(self.other, self.due, amount=900)
        self._bank_line(500, "VIR SEPA FROMAGERIE DURAND", partner=self.other)
        run = self._run_cron(self.day)
        self.assertFalse(self._actions())
        self.assertEqual(run.skip_bank_line, 2, "both invoices are held")
        self.assertEqual(self._actions(self.other).move_ids, short)
        self.assertFalse(held.dunning_level_id)

    def test_wizard_and_work_queue_show_the_payment(self):
        """ "Relancer" says why the invoice is left out; the work queue shows
        the bank line and opens it to be reconciled (Odoo Community has no
        reconciliation screen for bank lines: its journal entry opens)."""
        invoice = self._create_invoice(self.customer, self.due, amount=1200)
        line = self._bank_line(1200, f"VIR {invoice.name}")
        with freeze_time(datetime.combine(self.day, time(12, 0))):
            wizard = Form(
                self.env["account.dunning.wizard"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            with wizard.line_ids.edit(0) as wizard_line:
                self.assertIn("payment received, to reconcile", wizard_line.warning)
                self.assertFalse(wizard_line.level_id)
            self.env.flush_all()
            row = self.env["account.dunning.queue"].search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(row.bank_line_id, line)
            action = row.action_open_bank_line()
        if hasattr(line, "action_open_recon_st_line"):
            self.assertEqual(action, line.action_open_recon_st_line())
        else:
            self.assertEqual(
                (action["res_model"], action["res_id"]),
                ("account.move", line.move_id.id),
            )
