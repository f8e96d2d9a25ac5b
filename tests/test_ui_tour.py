from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningTour(DunningCommon, HttpCase):
    def test_work_queue_approve_formal_notice(self):
        """From the work queue, a credit manager opens the customer and approves
        the formal notice the nightly job prepared."""
        controller = self.env["res.users"].create(
            {"name": "Tour Controller", "login": "tour_controller"}
        )
        customer = self._create_customer(
            "Tour Customer", dunning_responsible_id=controller.id
        )
        today = self._d("2026-06-30")
        invoice = self._create_invoice(customer, today - timedelta(days=45))
        self._set_level(invoice, self.level_last_call)
        run = self._run(today)
        notice = run.action_ids
        self.assertEqual(notice.state, "draft")
        self.start_tour(
            "/odoo/action-account_dunning.account_dunning_queue_action",
            "account_dunning_queue_tour",
            login=self.env.user.login,
        )
        self.assertEqual(notice.state, "to_send")
        self.assertEqual(invoice.dunning_level_id, self.level_notice)
