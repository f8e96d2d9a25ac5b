from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.account_dunning.models.account_dunning_action_line import (
    AccountDunningActionLine,
)

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPlainErrors(DunningCommon):
    """No database error reaches a user: what the unique index on invoice x
    level x channel refuses is said in plain words (or skipped quietly by the
    nightly job, which tries again on its next call)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["account.dunning.run"]._company_today(cls.company)
        cls.due = cls.today - timedelta(days=1)
        cls.invoice = cls._create_invoice(cls.customer, cls.due)
        cls._set_level(cls.invoice, cls.level_before)

    def _remind(self, invoices):
        """A user (the invoices' one) reminds the invoices with "Relancer", as
        proposed."""
        wizard = Form(
            self.env["account.dunning.wizard"]
            .with_env(invoices.env)
            .with_context(active_model="account.move", active_ids=invoices.ids)
        ).save()
        wizard.action_confirm()
        # the job renders the invoice PDFs the email waits for
        self._render_invoice_pdfs()
        return wizard

    def _failed_night(self):
        """A night whose email reminder fails (the customer had no address)."""
        email = self.customer.email
        self.customer.email = False
        failed = self._run(self.today).action_ids
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.level_id, self.level_first)
        self.customer.email = email
        return failed

    def test_retry_of_a_reminder_covered_since_cancels_it(self):
        """The next night reminded the invoice at that level: Retry sends
        nothing twice, it cancels the old failed reminder and says why."""
        failed = self._failed_night()
        since = self._run(self.today + timedelta(days=1)).action_ids
        self.assertEqual(since.state, "done")
        self.assertEqual(since.level_id, self.level_first)
        result = failed.action_retry()
        self.assertEqual(failed.state, "cancelled")
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn(since.display_name, result["params"]["message"])
        self.assertIn("nothing is sent twice", result["params"]["message"])
        self.assertEqual(since.state, "done")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)

    def test_retry_of_a_reminder_partly_covered_says_which(self):
        other = self._create_invoice(self.customer, self.due)
        self._set_level(other, self.level_before)
        failed = self._failed_night()
        self.assertEqual(failed.move_ids, self.invoice | other)
        # a user reminded one of the two invoices since
        self._remind(self.invoice)
        self._send_reminder_emails()
        since = self._actions(state="done")
        self.assertEqual(since.move_ids, self.invoice)
        with self.assertRaises(UserError) as error:
            failed.action_retry()
        message = str(error.exception)
        self.assertIn(since.display_name, message)
        self.assertIn(self.invoice.name, message)
        self.assertIn(other.name, message)
        self.assertIn("Cancel this failed reminder", message)
        self.assertEqual(failed.state, "failed")
        # what the message offers works
        failed.action_cancel()
        self.assertEqual(failed.state, "cancelled")
        self._remind(other)
        self._send_reminder_emails()
        self.assertEqual(other.dunning_level_id, self.level_first)

    def test_two_users_remind_the_same_invoice_at_once(self):
        """Another user confirmed "Relancer" for the same invoice between the
        moment this user's wizard read the history and the moment it records
        its reminders: a plain message, nothing created twice."""
        form = Form(
            self.env["account.dunning.wizard"].with_context(
                active_model="account.move", active_ids=self.invoice.ids
            )
        )
        wizard = form.save()
        self._remind(self.invoice)  # the other user, first
        first = self._actions()
        self.assertEqual(len(first), 1)
        # this transaction read the history before the other one committed
        with (
            patch.object(
                AccountDunningActionLine, "_fetch_taken_slots", return_value=set()
            ),
            self.assertRaises(UserError) as error,
        ):
            wizard.action_confirm()
        message = str(error.exception)
        self.assertIn("Nothing was created", message)
        self.assertIn(self.invoice.name, message)
        self.assertIn(first.display_name, message)
        self.assertEqual(self._actions(), first)

    def _notice_awaiting_approval(self):
        """A credit controller prepares a formal notice with "Relancer": it
        waits for a credit manager's approval, holding its invoice's slot."""
        customer = self._create_customer("Client Ancien")
        invoice = self._create_invoice(customer, self.today - timedelta(days=40))
        self._set_level(invoice, self.level_last_call)
        controller = self._create_user(
            "controle.credit", "account_dunning.group_account_dunning_user"
        )
        self._remind(invoice.with_user(controller))
        notice = self._actions(customer)
        self.assertEqual((notice.state, notice.level_id), ("draft", self.level_notice))
        return invoice, notice

    def test_night_meets_a_formal_notice_a_user_just_made(self):
        """A user prepared a formal notice while the nightly job was escalating
        its customer: the night's notice joins the one awaiting approval (one
        notice per customer waits), nothing is made twice, no error."""
        invoice, notice = self._notice_awaiting_approval()
        with patch.object(
            AccountDunningActionLine, "_fetch_taken_slots", return_value=set()
        ):
            run = self._run_cron(self.today)
        self.assertFalse(run.error_log)
        self.assertEqual(run.state, "done")
        self.assertEqual(self._actions(notice.partner_id), notice, "not twice")
        self.assertEqual(notice.line_ids.move_id, invoice)
        self.assertEqual(len(notice.line_ids), 1)
        self.assertEqual(notice.state, "draft")
        self.assertEqual(self.invoice.dunning_level_id, self.level_first)

    def test_manual_run_meets_a_formal_notice_a_user_just_made(self):
        invoice, notice = self._notice_awaiting_approval()
        run = self.env["account.dunning.run"].create(
            {"company_id": self.company.id, "date": self.today}
        )
        with patch.object(
            AccountDunningActionLine, "_fetch_taken_slots", return_value=set()
        ):
            run.action_run()
        self.assertEqual(self._actions(notice.partner_id), notice, "not twice")
        self.assertEqual(len(notice.line_ids), 1)
        self.assertEqual(notice.line_ids.move_id, invoice)

    def test_double_click_on_send_reminders_to_confirm(self):
        self._set_level(self.invoice, self.level_last_call, self.due + timedelta(1))
        notice = self._run(self.today + timedelta(days=30)).action_ids
        self.assertEqual(notice.state, "draft")
        row = self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.customer.id)]
        )
        row.action_validate_drafts()
        self.assertEqual(notice.state, "to_send")
        result = row.action_validate_drafts()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(notice.state, "to_send")

    def test_channel_without_template_fails_plainly(self):
        """ "Relancer" lets a user tick SMS on a level that has no SMS
        template: that reminder fails and says why, the email goes."""
        self.assertFalse(self.level_first.sms_template_id)
        form = Form(
            self.env["account.dunning.wizard"].with_context(
                active_model="account.move", active_ids=self.invoice.ids
            )
        )
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.level_id, self.level_first)
            line.send_sms = True
        form.save().action_confirm()
        self._render_invoice_pdfs()
        sms = self._actions(channel="sms")
        self.assertEqual(sms.state, "failed")
        self.assertIn("has no SMS template", sms.error_message)
        self.assertEqual(self._actions(channel="email").state, "sending")
