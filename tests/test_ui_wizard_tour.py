from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningWizardTour(DunningCommon, HttpCase):
    def test_remind_from_invoice_list(self):
        """From the customer invoices, filter the overdue ones, select two
        customers' invoices, click "Remind" and send."""
        today = self.env["account.dunning.run"]._company_today(self.company)
        bakery = self._create_customer("Wizard Tour Bakery")
        garage = self._create_customer("Wizard Tour Garage")
        invoice_a = self._create_invoice(bakery, today - timedelta(days=10))
        invoice_b = self._create_invoice(garage, today - timedelta(days=12))
        self._set_level(invoice_b, self.level_first)
        # not due yet: the tour waits for the filter to remove it from the list
        future = self._create_customer("Wizard Tour Future")
        self._create_invoice(future, today + timedelta(days=20))
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "account_dunning_wizard_tour",
            login=self.env.user.login,
        )
        actions = self.env["account.dunning.action"].search(
            [("partner_id", "in", (bakery | garage).ids)]
        )
        self.assertEqual(actions.partner_id, bakery | garage)
        # the email waits for the invoice PDF the job renders, then counts
        # once Odoo's mail queue has sent it
        self.assertFalse(invoice_a.dunning_level_id)
        self._render_invoice_pdfs()
        self._send_reminder_emails()
        self.assertEqual(invoice_a.dunning_level_id, self.level_first)
        self.assertEqual(invoice_b.dunning_level_id, self.level_call)
        self.assertEqual(actions.run_id.trigger, "manual")
