from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestCockpitTour(DunningCommon, HttpCase):
    def test_french_morning_from_the_dashboard_to_the_call(self):
        """A French credit controller opens Relances > Tableau de bord, clicks
        the bucket over 90 days to its invoices, opens the work queue and logs
        the call it says to make, from the row's button."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_account_dunning")._update_translations(["fr_FR"])
        self.env.user.lang = "fr_FR"
        customer = self._create_customer("Client Cockpit")
        today = fields.Date.today()
        invoice = self._create_invoice(customer, today - timedelta(days=120))
        self._set_level(invoice, self.level_first, day=today - timedelta(days=30))
        self._run(today)  # tonight: the phone call, a task due today
        call = self._actions(customer, channel="call")
        self.assertEqual((call.level_id, call.result), (self.level_call, False))
        row = self.env["account.dunning.queue"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(row.next_action, "call")

        self.start_tour(
            "/odoo",
            "account_dunning_cockpit_tour",
            login=self.env.user.login,
        )
        self.env.invalidate_all()
        self.assertEqual(call.result, "reached")
        self.assertFalse(call.activity_id.exists().active)
        row = self.env["account.dunning.queue"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(row.next_action, "remind")
