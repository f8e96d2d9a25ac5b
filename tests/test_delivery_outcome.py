import smtplib
from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account_dunning.models.account_dunning_delivery import (
    AccountDunningDelivery,
)
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import MockSMS

from .common import DunningCommon

# What a recipient's mail server sends back when it refuses an email after
# accepting it (RFC 3464 delivery status notification, as Postfix writes it).
BOUNCE = """Return-Path: <>
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 1 Jun 2026 10:00:00 +0200
Message-Id: <bounce-{tag}@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: 550 5.1.1 User unknown

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--BOUNDARY
Content-Type: text/rfc822-headers

Message-Id: {message_id}
From: {to}
To: {recipient}
Subject: {subject}

--BOUNDARY--
"""


class DeliveryCommon(DunningCommon):
    """An invoice due yesterday, reminded before its due date: tonight it
    reaches the first reminder, by email."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.email = "relances@ma-societe.example.com"
        # the work queue counts the failures of the last days from today
        cls.today = fields.Date.today()
        cls.invoice = cls._create_invoice(cls.customer, cls.today - timedelta(days=1))
        cls._set_level(cls.invoice, cls.level_before)
        cls.address = "compta@boulangerie-martin.example.com"

    def _night(self, day):
        """The nightly job alone (with its later step, which renders the
        invoice PDFs the emails wait for): its emails and SMS wait in Odoo's
        queues."""
        cron = self.env.ref("account_dunning.account_dunning_cron_run").sudo()
        with freeze_time(datetime.combine(day, time(12, 0))):
            cron.method_direct_trigger()
            self._render_invoice_pdfs()
        return self._actions()

    def _notes(self, record):
        return "".join(record.message_ids.mapped("body"))

    def _queue_row(self):
        """The customer's row of the work queue, read again (an SQL view)."""
        self.env["account.dunning.queue"].invalidate_model()
        return self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )


@tagged("post_install", "-at_install")
class TestEmailDeliveryOutcome(DeliveryCommon, MockEmail):
    """A reminder email counts (done, in the chatter, its invoices one level
    up) once the mail server took it; refused, unreachable server or bounced,
    it fails with the reason, its invoices stay where they were, the work
    queue shows it and the next night (or Retry) sends it again, once."""

    def _mail_queue(self):
        """Odoo's scheduler sends the mail queue."""
        self.env.ref(
            "mail.ir_cron_mail_scheduler_action"
        ).sudo().method_direct_trigger()

    def test_email_counts_once_the_server_took_it(self):
        email = self._night(self.today)
        self.assertEqual((email.channel, email.level_id), ("email", self.level_first))
        self.assertEqual(email.mail_id.state, "outgoing")
        self.assertEqual(email.state, "sending", "in the mail queue, not sent")
        self.assertEqual(email.line_ids.state, "sending")
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        self.assertNotIn("by email", self._notes(self.invoice))
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(
            [sent["smtp_to_list"] for sent in self.emails], [[self.address]]
        )
        self.assertEqual(email.mail_id.state, "sent")
        self.assertEqual(email.state, "done")
        self.assertEqual(email.line_ids.state, "done")
        self.assertFalse(email.error_message)
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        self.assertEqual(self.invoice.dunning_last_date, self.today)
        for record in (self.invoice, self.customer):
            self.assertIn("by email (done)", self._notes(record))

    def test_server_down_fails_the_reminder_and_the_next_night_sends_it(self):
        email = self._night(self.today)
        with (
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            self.connect_mocked.side_effect = ConnectionRefusedError(
                111, "Connection refused"
            )
            self._mail_queue()
        self.assertFalse(self.emails)
        self.assertEqual(email.mail_id.state, "exception")
        self.assertEqual(email.state, "failed")
        self.assertEqual(email.line_ids.state, "failed")
        self.assertIn("Connection failed", email.error_message)
        self.assertIn("Connection refused", email.error_message)
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        self.assertNotIn("by email", self._notes(self.invoice))
        # the credit controller sees it in the work queue
        row = self._queue_row()
        self.assertEqual(row.failed_count, 1)
        self.assertTrue(row.to_do)
        self.assertIn(row, row.search([("failed_count", ">", 0)]))
        # the server is back: the next night sends the same level, once
        again = self._night(self.today + timedelta(days=1)) - email
        self.assertEqual(again.level_id, self.level_first)
        self.assertEqual(again.line_ids.move_id, self.invoice)
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(
            [sent["smtp_to_list"] for sent in self.emails], [[self.address]]
        )
        self.assertEqual(again.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        self.assertEqual(email.state, "failed", "the history keeps the failure")
        self.assertEqual(self._queue_row().failed_count, 0, "covered since")
        self.assertFalse(
            self._night(self.today + 2 * timedelta(days=1)) - email - again
        )

    def test_address_refused_then_retry_after_correcting_it(self):
        email = self._night(self.today)
        refused = smtplib.SMTPRecipientsRefused(
            {self.address: (550, b"5.1.1 <compta@...>: Recipient address rejected")}
        )
        with (
            self.mock_mail_gateway(),
            mute_logger("odoo.addons.mail.models.mail_mail"),
            patch.object(
                self.testing_smtp_session, "send_message", side_effect=refused
            ),
        ):
            self._mail_queue()
        self.assertEqual(email.state, "failed")
        self.assertIn("Recipient address rejected", email.error_message)
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        # the credit controller corrects the address and clicks Retry
        self.customer.email = "comptabilite@boulangerie-martin.example.com"
        email.action_retry()
        self.assertEqual(email.state, "draft")
        self.assertFalse(email.error_message)
        email.action_validate()
        self.assertEqual(email.state, "sending")
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(
            [sent["smtp_to_list"] for sent in self.emails],
            [["comptabilite@boulangerie-martin.example.com"]],
        )
        self.assertEqual(email.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)

    def test_bounce_puts_the_invoice_back(self):
        email = self._night(self.today)
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(email.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        # hours later, the customer's mail server sends it back
        self.env["mail.thread"].sudo().message_process(
            False,
            BOUNCE.format(
                to=self.company.email,
                tag="1",
                recipient=self.address,
                message_id=email.mail_id.message_id,
                subject=email.mail_id.subject,
            ),
        )
        self.assertEqual(email.state, "failed")
        self.assertEqual(email.line_ids.state, "failed")
        self.assertIn("bounced", email.error_message)
        self.assertIn(self.address, email.error_message)
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        self.assertIn("by email (failed)", self._notes(self.invoice))
        self.assertEqual(self._queue_row().failed_count, 1)
        # the next night reminds the same level again
        again = self._night(self.today + timedelta(days=1)) - email
        self.assertEqual(again.level_id, self.level_first)

    def test_bounce_of_one_recipient_of_two(self):
        accounting = self.env["res.partner"].create(
            {
                "name": "Service comptable",
                "parent_id": self.customer.id,
                "email": "factures@boulangerie-martin.example.com",
            }
        )
        email = self._night(self.today)
        email.contact_ids |= accounting
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertEqual(email.state, "done")
        self.env["mail.thread"].sudo().message_process(
            False,
            BOUNCE.format(
                to=self.company.email,
                tag="2",
                recipient=accounting.email,
                message_id=email.mail_id.message_id,
                subject=email.mail_id.subject,
            ),
        )
        self.assertEqual(email.state, "done", "the other recipient received it")
        self.assertEqual(email.bounced_emails, accounting.email)
        self.assertIn(accounting.email, self._notes(email))
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)

    def test_email_deleted_once_sent_still_tells_its_reminder(self):
        """A template that deletes its emails once sent (auto_delete): the
        reminder learns the outcome before Odoo deletes the email."""
        self.level_first.mail_template_id.auto_delete = True
        email = self._night(self.today)
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._mail_queue()
        self.assertEqual(len(self.emails), 1)
        self.assertFalse(email.mail_id.exists())
        self.assertEqual(email.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)

    def test_email_cancelled_in_the_mail_queue(self):
        """An email cancelled by hand in Settings > Emails is caught by the
        next night: its reminder fails and that night sends the level again."""
        email = self._night(self.today)
        email.mail_id.cancel()
        again = self._night(self.today + timedelta(days=1)) - email
        self.assertEqual(email.state, "failed")
        self.assertIn("cancelled", email.error_message)
        self.assertEqual(again.level_id, self.level_first)

    def test_cancelling_a_reminder_cancels_its_email(self):
        email = self._night(self.today)
        email.action_cancel()
        self.assertEqual(email.state, "cancelled")
        self.assertEqual(email.mail_id.state, "cancel")
        with self.mock_mail_gateway():
            self._mail_queue()
        self.assertFalse(self.emails, "nothing leaves")
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)

    def test_outcomes_of_many_emails_in_a_few_queries(self):
        """The outcome of every email sent in one call of the mail queue is
        applied at once: the same number of queries for 5 or 20 emails."""

        def outcome_queries(count, day):
            customers = [self._create_customer(f"Q{day}-{i}") for i in range(count)]
            for customer in customers:
                self._set_level(
                    self._create_invoice(customer, day - timedelta(days=1)),
                    self.level_before,
                )
            self._night(day)
            emails = self.env["account.dunning.action"].search(
                [
                    ("partner_id", "in", [c.id for c in customers]),
                    ("state", "=", "sending"),
                ]
            )
            self.assertEqual(len(emails), count)
            counts = []
            apply = AccountDunningDelivery._apply_outcomes

            def counted(model, channel, outcomes):
                start = self.env.cr.sql_log_count
                done = apply(model, channel, outcomes)
                counts.append((len(outcomes), self.env.cr.sql_log_count - start))
                return done

            with (
                self.mock_mail_gateway(),
                patch.object(AccountDunningDelivery, "_apply_outcomes", counted),
            ):
                self._mail_queue()
            self.assertEqual(set(emails.mapped("state")), {"done"})
            self.assertEqual(len(counts), 1, "one application for the whole call")
            self.assertGreaterEqual(counts[0][0], count)
            return counts[0][1]

        small = outcome_queries(5, self.today + timedelta(days=10))
        large = outcome_queries(20, self.today + timedelta(days=20))
        self.assertLessEqual(abs(large - small), 1, (small, large))
        self.assertLess(large, 12)


@tagged("post_install", "-at_install")
class TestSmsDeliveryOutcome(DeliveryCommon, MockSMS):
    """An SMS reminder counts once the SMS provider took it (Odoo's SMS queue
    sends it through IAP; the provider's answers are simulated as Odoo's SMS
    tests do)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_first.write(
            {
                "send_email": False,
                "send_sms": True,
                "sms_template_id": cls.env.ref(
                    "account_dunning.sms_template_dunning_reminder"
                ).id,
            }
        )

    def _sms_queue(self):
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo().method_direct_trigger()

    def test_sms_counts_once_the_provider_took_it(self):
        sms = self._night(self.today)
        self.assertEqual(sms.channel, "sms")
        self.assertEqual(sms.state, "sending")
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        with self.mockSMSGateway():
            self._sms_queue()
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(sms.sms_id.state, "pending", "taken by the provider")
        self.assertEqual(sms.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
        self.assertIn("by sms (done)", self._notes(self.invoice))

    def test_sms_refused_by_the_provider(self):
        sms = self._night(self.today)
        with self.mockSMSGateway(sim_error="wrong_number_format"):
            self._sms_queue()
        self.assertEqual(sms.sms_id.state, "error")
        self.assertEqual(sms.state, "failed")
        self.assertIn("Wrong Number Format", sms.error_message)
        self.assertEqual(self.invoice.dunning_level_id, self.level_before)
        self.assertEqual(self._queue_row().failed_count, 1)
        # once the number is corrected, Retry sends it again
        sms.action_retry()
        sms.action_validate()
        with self.mockSMSGateway():
            self._sms_queue()
        self.assertEqual(sms.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)
