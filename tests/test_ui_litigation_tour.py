from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLitigationTour(DunningCommon, HttpCase):
    def test_hand_over_from_the_case_list(self):
        """The credit manager hands a debt over from the list of cases, as
        the web client calls its header button, and finds the transfer to
        doubtful debts prepared on the case."""
        debtor = self._create_customer("Tour Debtor")
        today = fields.Date.today()
        invoice = self._create_invoice(debtor, today - timedelta(days=60))
        # a formal notice a month ago: its 8 days to pay are over
        self._set_level(invoice, self.level_notice, day=today - timedelta(days=30))
        self.start_tour(
            "/odoo/action-account_dunning.account_dunning_litigation_action",
            "account_dunning_litigation_tour",
            login=self.env.user.login,
        )
        case = self.env["account.dunning.litigation"].search(
            [("partner_id", "=", debtor.id)]
        )
        self.assertEqual((case.state, case.route), ("open", "injunction"))
        self.assertEqual(case.move_ids, invoice)
        self.assertEqual(case.doubtful_move_id.state, "draft")
        self.assertEqual(case.doubtful_move_id.amount_total, invoice.amount_total)
