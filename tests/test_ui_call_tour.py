from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestCallTour(DunningCommon, HttpCase):
    def test_log_call_with_promise_from_work_queue(self):
        """From the work queue, the credit controller logs a call in which the
        customer promises to pay, and lands on the promise."""
        controller = self.env["res.users"].create(
            {"name": "Call Controller", "login": "call_controller"}
        )
        customer = self._create_customer(
            "Call Customer", dunning_responsible_id=controller.id
        )
        today = fields.Date.today()
        invoice = self._create_invoice(customer, today - timedelta(days=45))
        self._set_level(invoice, self.level_last_call)
        self._run(today)  # a formal notice waits: the customer is to remind today
        self.start_tour(
            "/odoo/action-account_dunning.account_dunning_queue_action",
            "account_dunning_call_tour",
            login=self.env.user.login,
        )
        promise = self.env["account.dunning.promise"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount, 500.0)
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.date, fields.Date.to_date("2030-12-31"))
        self.assertEqual(invoice.dunning_promise_date, promise.date)
        call = promise.action_id
        self.assertEqual((call.channel, call.result), ("call", "promise"))
