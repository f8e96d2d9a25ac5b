import base64
import re
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser, save_test_file

from .common_portal import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalTour(PortalCommon, HttpCase):
    """The customer, in a browser and without login, opens the link of its
    reminder email and answers: a promise, a dispute, a payment online with
    Odoo's demo provider; the next night respects them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._prepare_demo_provider()

    def _email_link(self):
        """The path of the link of the customer's reminder email, sent by the
        night."""
        run = self._run(self.today)
        email = run.action_ids.filtered(
            lambda a: a.channel == "email" and a.partner_id == self.customer
        )
        self.assertEqual(email.state, "done")
        url = re.search(
            r'href="([^"]*/my/reminders/[^"]*)"', email.mail_id.body_html
        ).group(1)
        return url[url.index("/my/reminders/") :]

    def test_customer_answers_and_pays_from_its_email(self):
        path = self._email_link()
        self.start_tour(path, "account_dunning_portal_tour", login=None)
        self.env.invalidate_all()
        # I will pay on: the oldest invoice, in a week
        promise = self.inv_old.dunning_promise_ids
        self.assertEqual(
            (promise.channel, promise.state, promise.date, promise.amount),
            ("portal", "open", self.today + timedelta(days=7), 1000.0),
        )
        # I dispute: the second one, its price
        dispute = self.inv_late.dunning_dispute_ids
        self.assertEqual(
            dispute.reason_id,
            self.env.ref("account_dunning.reason_portal_wrong_amount"),
        )
        self.assertTrue(self.inv_late.is_disputed)
        # paid online: the third one, reconciled
        self.assertIn(self.inv_next.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_next.amount_residual, 0.0)
        tx = self.inv_next.transaction_ids
        self.assertEqual((tx.state, tx.provider_id), ("done", self.provider))
        self.assertTrue(tx.payment_id)
        # the answers are in the history, the chatter and the controller's tasks
        self.assertEqual(
            sorted(self._portal_actions().mapped("result")), ["dispute", "promise"]
        )
        self.assertTrue(self.customer.activity_ids)
        self.assertTrue(dispute.activity_ids)
        # the next night respects the promise and the dispute
        run = self._run(self.today + timedelta(days=9))
        self.assertEqual((run.skip_promise, run.skip_disputed), (1, 1))
        self.assertFalse(
            run.action_ids.filtered(lambda a: a.partner_id == self.customer)
        )
        # and the promise date plus the grace days over, unpaid: reminded again
        grace = self.company.dunning_policy_id.grace_days
        run = self._run(self.today + timedelta(days=8 + grace))
        self.assertEqual(promise.state, "broken")
        reminded = run.action_ids.filtered(lambda a: a.partner_id == self.customer)
        self.assertEqual(reminded.move_ids, self.inv_old)
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("state", "=", "exception")]),
            "no email fails (no assignment email from the public visitor)",
        )

    def test_page_on_a_phone(self):
        """390 px wide: the page fits the width; a screenshot is kept."""
        self.browser_size = "390x844"
        self.touch_enabled = True
        shots = []
        stop = ChromeBrowser.stop

        def stop_after_screenshot(browser):
            if getattr(browser, "ws", None):
                shot = browser._websocket_request(
                    "Page.captureScreenshot", params={"format": "png"}
                )
                shots.append(base64.b64decode(shot["data"]))
            stop(browser)

        with patch.object(ChromeBrowser, "stop", stop_after_screenshot):
            self.start_tour(
                f"/my/reminders/{self.token}",
                "account_dunning_portal_phone_tour",
                login=None,
            )
        self.assertEqual(len(shots), 1)
        png = shots[0]
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(int.from_bytes(png[16:20], "big"), 390, "390 px wide")
        save_test_file(type(self).__name__, png, "dunning_portal_390_")
