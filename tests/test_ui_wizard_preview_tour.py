from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningWizardPreviewTour(DunningCommon, HttpCase):
    def test_preview_email_from_customer(self):
        """From the customer form, "Remind", open the customer's line and show
        the email: rendered in the browser, nothing sent."""
        today = self.env["account.dunning.run"]._company_today(self.company)
        bakery = self._create_customer("Preview Tour Bakery")
        self._create_invoice(bakery, today - timedelta(days=10))
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{bakery.id}",
            "account_dunning_wizard_preview_tour",
            login=self.env.user.login,
        )
        self.assertFalse(
            self.env["account.dunning.action"].search([("partner_id", "=", bakery.id)])
        )
