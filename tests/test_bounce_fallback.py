from datetime import timedelta

from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .test_delivery_outcome import BOUNCE, DeliveryCommon


@tagged("post_install", "-at_install")
class TestBounceFallback(DeliveryCommon, MockEmail):
    """A reminder email that bounces marks the address as bouncing on the
    contact (Odoo's bounce counter), and from the next night the customer is
    reminded by letter (or a call task without a postal address) instead of
    an email that cannot arrive; correcting the address brings email back."""

    def _mail_queue(self):
        self.env.ref(
            "mail.ir_cron_mail_scheduler_action"
        ).sudo().method_direct_trigger()

    def _email_bounces(self):
        """Tonight's email leaves, and the customer's mail server sends it
        back, as Odoo's mail gateway receives it."""
        email = self._night(self.today)
        self.assertEqual((email.channel, email.level_id), ("email", self.level_first))
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(email.state, "done")
        self.env["mail.thread"].sudo().message_process(
            False,
            BOUNCE.format(
                to=self.company.email,
                tag="fallback",
                recipient=self.address,
                message_id=email.mail_id.message_id,
                subject=email.mail_id.subject,
            ),
        )
        return email

    def test_bounce_marks_the_address_and_the_reminder(self):
        email = self._email_bounces()
        self.assertEqual(email.state, "failed")
        self.assertEqual(email.bounced_emails, self.address)
        self.assertIn("bounced", email.error_message)
        self.assertEqual(self.customer.message_bounce, 1, "Odoo counts it")
        self.assertIn(
            email,
            email.search([("bounced_emails", "!=", False)]),
            "the reminders' filter Bounced finds it",
        )
        # retried as it stands, it would bounce again: the reminder says so
        email.action_retry()
        self.assertEqual(email.state, "draft")
        self.assertIn("bounces", email.unreachable_reason)
        self.assertIn(self.address, email.unreachable_reason)
        self.assertIn(email, email.search([("unreachable_reason", "!=", False)]))

    def test_next_night_sends_a_letter_instead(self):
        email = self._email_bounces()
        tomorrow = self.today + timedelta(days=1)
        letter = self._night(tomorrow) - email
        self.assertEqual(
            [(a.channel, a.level_id, a.state) for a in letter],
            [("letter", self.level_first, "to_send")],
            "a letter to print, no email",
        )
        self.assertEqual(letter.line_ids.move_id, self.invoice)
        self.assertIn(self.address, letter.note)
        self.assertIn("bounces", letter.note)
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        self.assertEqual(self._queue_row().next_action, "print")
        self.assertFalse(
            self._night(tomorrow + timedelta(days=1)) - email - letter,
            "the level is reached: nothing more",
        )

    def test_without_postal_address_a_call_task(self):
        email = self._email_bounces()
        self.customer.street = False
        call = self._night(self.today + timedelta(days=1)) - email
        self.assertEqual(
            [(a.channel, a.level_id, a.state) for a in call],
            [("call", self.level_first, "done")],
        )
        self.assertTrue(call.activity_id)
        self.assertEqual(call.activity_id.res_id, self.customer.id)
        self.assertIn("bounces", call.note)

    def test_correcting_the_address_brings_email_back(self):
        email = self._email_bounces()
        with Form(self.customer) as form:
            form.email = "factures@boulangerie-martin.example.com"
        self.assertEqual(self.customer.message_bounce, 0)
        again = self._night(self.today + timedelta(days=1)) - email
        self.assertEqual(
            [(a.channel, a.level_id) for a in again], [("email", self.level_first)]
        )
        self.assertFalse(again.note)
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(
            [sent["smtp_to_list"] for sent in self.emails],
            [["factures@boulangerie-martin.example.com"]],
        )
        self.assertEqual(again.state, "done")

    def test_saving_the_same_address_keeps_the_mark(self):
        self._email_bounces()
        self.customer.write({"email": self.address.upper(), "phone": "+33 1"})
        self.assertEqual(self.customer.message_bounce, 1)
