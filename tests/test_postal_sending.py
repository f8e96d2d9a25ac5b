from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import DunningCommon

# Odoo's postal service (IAP snailmail) is stubbed where Odoo's own code calls
# it, as Odoo's tests stub IAP services.
IAP_JSONRPC = "odoo.addons.iap.tools.iap_tools.iap_jsonrpc"


def postal_service(error=None):
    """A stub of the postal service's print endpoint: it takes every letter,
    or refuses every one with `error` (e.g. "CREDIT_ERROR")."""

    def answer(url, params=None, timeout=None):
        documents = [
            {"letter_id": doc["letter_id"], "sent": True, "send_id": "SN-0001"}
            if not error
            else {"letter_id": doc["letter_id"], "sent": False, "error": error}
            for doc in params["documents"]
        ]
        return {
            "request_code": 200,
            "total_cost": 1,
            "request": {"documents": documents},
        }

    return answer


@tagged("post_install", "-at_install")
class TestPostalSending(DunningCommon, HttpCase):
    """Letters sent by post through Odoo's postal service (snailmail): the
    letter's own PDF leaves once, the reminder follows the postal letter.
    Real PDFs (wkhtmltopdf fetches the report CSS from this test server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.due = date(2026, 3, 2)
        # the second reminder by letter only: its invoices move up with it
        cls.level_second.write({"send_mode": "post", "send_email": False})

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def _post_letter(self, customer):
        """The night of the second reminder (a letter, automatic)."""
        invoice = self._create_invoice(customer, self.due, amount=1200.0)
        self._set_level(invoice, self.level_call)
        run = self._run(self.due + timedelta(days=self.level_second.delay + 2))
        letter = run.action_ids.filtered(lambda a: a.channel == "letter")
        self.assertEqual(len(letter), 1)
        return letter.with_env(self.env), invoice

    def _postal_queue_sends(self, letters, error=None):
        """What Odoo's postal cron does for each pending letter (without the
        commit it makes after each one)."""
        with (
            patch(IAP_JSONRPC, side_effect=postal_service(error)) as endpoint,
            freeze_time("2026-03-25 10:00:00"),
        ):
            for letter in letters.filtered(lambda lt: lt.state == "pending"):
                letter._snailmail_print_valid_address()
        return endpoint

    def test_letter_posted_then_done_when_the_postal_service_takes_it(self):
        letter, invoice = self._post_letter(self.customer)
        self.assertEqual(letter.send_mode, "post")
        # handed to the postal queue, not counted yet
        self.assertEqual(letter.state, "sending")
        postal = letter.snailmail_letter_id
        self.assertEqual(postal.state, "pending")
        self.assertEqual(letter.snailmail_state, "pending")
        self.assertEqual(postal.partner_id, self.customer)
        self.assertEqual(postal.attachment_id, letter.letter_attachment_id)
        self.assertTrue(letter.letter_attachment_id.raw.startswith(b"%PDF"))
        self.assertEqual(invoice.dunning_level_id, self.level_call)

        endpoint = self._postal_queue_sends(postal)
        self.assertEqual(endpoint.call_count, 1)
        sent = endpoint.call_args.kwargs["params"]["documents"]
        self.assertEqual([doc["letter_id"] for doc in sent], postal.ids)
        self.assertEqual(sent[0]["pdf_bin"], letter.letter_attachment_id.datas.decode())
        self.assertEqual(letter.state, "done")
        self.assertEqual(letter.snailmail_state, "sent")
        self.assertEqual(letter.posted_date, date(2026, 3, 25))
        self.assertFalse(letter.error_message)
        self.assertEqual(invoice.dunning_level_id, self.level_second)

        # never posted twice: delivering again hands nothing to the postal queue
        letter._deliver()
        self.assertEqual(
            self.env["snailmail.letter"].search_count(
                [("model", "=", letter._name), ("res_id", "=", letter.id)]
            ),
            1,
        )

    def test_no_credit_fails_then_retry_posts_the_same_letter(self):
        letter, invoice = self._post_letter(self.customer)
        postal = letter.snailmail_letter_id
        self._postal_queue_sends(postal, error="CREDIT_ERROR")
        self.assertEqual(letter.state, "failed")
        self.assertEqual(letter.snailmail_state, "error")
        self.assertEqual(
            letter.error_message,
            "The letter could not be sent by post: not enough postal credits "
            "(IAP snailmail); once credits are bought, Odoo's postal queue sends "
            "it again by itself.",
        )
        self.assertEqual(invoice.dunning_level_id, self.level_call)

        letter.action_retry()
        self.assertEqual(letter.state, "draft")
        letter.action_validate()
        self.assertEqual(letter.state, "sending")
        self.assertEqual(letter.snailmail_letter_id, postal)
        self.assertEqual(postal.state, "pending")
        self._postal_queue_sends(postal)
        self.assertEqual(letter.state, "done")
        self.assertEqual(invoice.dunning_level_id, self.level_second)
        self.assertEqual(
            self.env["snailmail.letter"].search_count(
                [("model", "=", letter._name), ("res_id", "=", letter.id)]
            ),
            1,
        )

    def test_address_without_country_fails_at_once(self):
        customer = self._create_customer("Garage Roux", country_id=False)
        letter, invoice = self._post_letter(customer)
        self.assertEqual(letter.state, "failed")
        self.assertEqual(letter.snailmail_state, "error")
        self.assertEqual(
            letter.error_message,
            "The letter could not be sent by post: the customer's postal address "
            "is incomplete (street, zip, city and country are required).",
        )
        self.assertFalse(letter.posted_date)
        self.assertEqual(invoice.dunning_level_id, self.level_call)

    def test_cancelling_the_reminder_cancels_the_postal_letter(self):
        letter, _invoice = self._post_letter(self.customer)
        letter.action_cancel()
        self.assertEqual(letter.state, "cancelled")
        self.assertEqual(letter.snailmail_state, "canceled")

    def test_formal_notice_by_post_takes_the_level_mode_when_created(self):
        self.level_notice.send_mode = "post"
        invoice = self._create_invoice(self.customer, self.due, amount=1200.0)
        self._set_level(invoice, self.level_last_call)
        run = self._run(self.due + timedelta(days=self.level_notice.delay + 2))
        notice = run.action_ids.filtered("is_formal_notice").with_env(self.env)
        self.assertEqual((notice.state, notice.send_mode), ("draft", "post"))
        # 3 April (the night) + 8 days to pay
        self.assertEqual(notice.date, date(2026, 4, 3))
        self.assertEqual(notice.payment_deadline, date(2026, 4, 11))
        self.assertFalse(notice.awaiting_receipt)
        notice.action_validate()
        self.assertEqual(notice.state, "sending")
        self._postal_queue_sends(notice.snailmail_letter_id)
        self.assertEqual(notice.state, "done")
        self.assertEqual(notice.posted_date, date(2026, 3, 25))
        # a letter of a level printed here keeps printing
        self.assertEqual(self.level_first.send_mode, "print")
