import base64
from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestEscalationTimeline(DunningCommon):
    def test_standard_policy_day_by_day(self):
        """From D-6 to D+35 the six steps of "Standard" go out on their day, once,
        even when the nightly job runs twice a day."""
        due = self._d("2026-03-31")
        invoice = self._create_invoice(self.customer, due, invoice_date="2026-03-01")
        seen = {}
        for offset in range(-6, 36):
            day = due + timedelta(days=offset)
            before = self._actions()
            self._run_cron(day)
            self._run_cron(day)  # twice the same night: nothing new
            new = self._actions() - before
            if new:
                seen[offset] = sorted(new.mapped("channel"))
                self.assertEqual(len(new.level_id), 1)
        self.assertEqual(
            seen,
            {
                -5: ["email"],
                0: ["email"],
                8: ["call"],
                20: ["email", "letter"],
                25: ["call"],
                30: ["letter"],
            },
        )
        actions = self._actions()
        self.assertEqual(
            actions.mapped("level_id"),
            self.level_before
            + self.level_first
            + self.level_call
            + self.level_second
            + self.level_last_call
            + self.level_notice,
        )
        notice = actions.filtered("is_formal_notice")
        self.assertEqual(notice.state, "draft", "a formal notice waits for approval")
        # The invoice stays at the level before until the notice is approved.
        self.assertEqual(invoice.dunning_level_id, self.level_last_call)
        self.assertEqual(invoice.dunning_count, 5)
        self.assertEqual(invoice.dunning_last_date, due + timedelta(days=25))
        email = actions.filtered(lambda a: a.channel == "email")[:1]
        self.assertEqual(email.state, "done")
        self.assertTrue(email.mail_id, "the email goes through the mail queue")
        self.assertEqual(email.mail_id.state, "sent", "done once the server took it")
        letter = actions.filtered(
            lambda a: a.channel == "letter" and a.level_id == self.level_second
        )
        self.assertEqual(letter.state, "to_send")
        call = actions.filtered(lambda a: a.channel == "call")[:1]
        self.assertEqual(call.activity_id.activity_type_id.category, "phonecall")
        self.assertIn(invoice.name, str(call.activity_id.note))

        # The credit manager approves the formal notice: the letter is queued and
        # the invoice reaches the last level.
        notice.action_validate()
        self.assertEqual(notice.state, "to_send")
        self.assertEqual(invoice.dunning_level_id, self.level_notice)
        self.assertEqual(invoice.dunning_count, 6)

    def test_reminders_logged_in_chatter(self):
        due = self._d("2026-03-31")
        invoice = self._create_invoice(self.customer, due)
        self._run_cron(due)
        action = self._actions()
        self.assertEqual(len(action), 1)
        for record in (invoice, self.customer):
            bodies = record.message_ids.mapped("body")
            self.assertTrue(
                any(self.level_first.name in str(body) for body in bodies),
                f"the reminder is posted in the chatter of {record.display_name}",
            )

    def test_two_invoices_one_action(self):
        """Invoices that reach a level the same day share one reminder; the
        customer is not reminded again before the minimum interval."""
        first = self._create_invoice(self.customer, "2026-03-10")
        second = self._create_invoice(self.customer, "2026-03-13")
        dates = {}
        day = self._d("2026-03-14")
        for offset in range(0, 20):
            current = day + timedelta(days=offset)
            before = self._actions()
            self._run_cron(current)
            new = self._actions() - before
            if new:
                dates[current] = new
        reminder_days = sorted(dates)
        # first run: both invoices are due, one email lists both
        first_day = reminder_days[0]
        self.assertEqual(first_day, day)
        self.assertEqual(dates[first_day].move_ids, first + second)
        self.assertEqual(len(dates[first_day]), 1)
        self.assertEqual(dates[first_day].line_ids.mapped("level_id"), self.level_first)
        for previous, following in zip(reminder_days, reminder_days[1:], strict=False):
            self.assertGreaterEqual(
                (following - previous).days, self.policy.min_interval_days
            )

    def test_formal_notice_needs_manager(self):
        due = self._d("2026-01-31")
        invoice = self._create_invoice(self.customer, due)
        self._set_level(invoice, self.level_last_call)
        run = self._run(due + timedelta(days=40))
        notice = run.action_ids
        self.assertEqual(notice.level_id, self.level_notice)
        self.assertEqual(notice.state, "draft")
        self.assertEqual(run.draft_count, 1)
        clerk = self._create_user(
            "dunning_clerk", "account_dunning.group_account_dunning_user"
        )
        with self.assertRaisesRegex(UserError, "credit manager"):
            notice.with_user(clerk).action_validate()
        notice.action_validate()
        self.assertEqual(notice.state, "to_send")
        self.assertEqual(invoice.dunning_level_id, self.level_notice)

    def test_partial_payment_and_credit_note_reduce_amount_due(self):
        invoice = self._create_invoice(self.customer, "2026-03-01", amount=1000)
        self._pay(invoice, amount=400, day=self._d("2026-03-02"))
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-03",
                "invoice_line_ids": [
                    (0, 0, {"name": "Avoir", "price_unit": 100, "tax_ids": [(5,)]})
                ],
            }
        )
        refund.action_post()
        run = self._run(self._d("2026-03-05"))
        action = run.action_ids
        self.assertEqual(len(action), 1)
        self.assertEqual(action.line_ids.amount_residual, 600)
        self.assertEqual(action.amount_due, 500, "the open credit note counts")
        self.assertTrue(self.customer.dunning_to_reconcile)

    def test_first_reminder_attaches_invoice_pdf(self):
        """The level "First reminder" attaches each invoice's PDF: the one Odoo
        kept when the invoice was sent."""
        due = self._d("2026-03-31")
        invoice = self._create_invoice(self.customer, due)
        invoice.invoice_pdf_report_file = base64.b64encode(b"%PDF-1.4 invoice")
        self.assertTrue(invoice.invoice_pdf_report_id)
        run = self._run(due + timedelta(days=1))
        self.assertTrue(self.level_first.attach_invoices)
        self.assertEqual(
            run.action_ids.mail_id.attachment_ids, invoice.invoice_pdf_report_id
        )
