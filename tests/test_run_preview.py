from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestRunPreview(DunningCommon):
    """ "Preview tonight's run" shows what the next night sends, and sends
    nothing."""

    def _counts(self):
        return {
            model: self.env[model].search_count([])
            for model in (
                "account.dunning.action",
                "account.dunning.action.line",
                "account.dunning.run",
                "mail.mail",
                "mail.message",
                "mail.activity",
            )
        }

    def test_preview_lists_what_the_night_then_creates(self):
        tonight = self._d("2026-04-15")
        late = self._create_customer("Retard Simple")
        called = self._create_customer("Appel Prevu")
        noticed = self._create_customer("Mise En Demeure")
        early = self._create_customer("Pas Encore Du")
        excluded = self._create_customer("Exclu")
        inv_late = self._create_invoice(late, tonight - timedelta(days=2), 1200.0)
        inv_called = self._create_invoice(called, tonight - timedelta(days=9), 800.0)
        self._set_level(inv_called, self.level_first, day=tonight - timedelta(days=9))
        inv_noticed = self._create_invoice(noticed, tonight - timedelta(days=31), 450.0)
        self._set_level(
            inv_noticed, self.level_last_call, day=tonight - timedelta(days=6)
        )
        # invoiced earlier: an invoice dated tomorrow is not in the ledger yet
        inv_early = self._create_invoice(
            early,
            tonight + timedelta(days=5),
            300.0,
            invoice_date=tonight - timedelta(days=25),
        )
        inv_excluded = self._create_invoice(excluded, tonight - timedelta(days=3))
        inv_excluded.dunning_excluded = True
        self.env.flush_all()
        before = self._counts()
        with freeze_time(datetime.combine(tonight - timedelta(days=1), time(15, 0))):
            Preview = self.env["account.dunning.run.preview"]
            form = Form(Preview)
            self.assertEqual(form.date, tonight)
            self.assertEqual(form.reminder_count, 4)
            preview = Preview.create({})
        self.env.flush_all()
        self.assertEqual(self._counts(), before, "the preview creates nothing")
        self.assertEqual(preview.date, tonight)
        self.assertEqual(
            (
                preview.customer_count,
                preview.reminder_count,
                preview.email_count,
                preview.letter_count,
                preview.call_count,
                preview.sms_count,
                preview.draft_count,
            ),
            (4, 4, 2, 1, 1, 0, 1),
        )
        self.assertEqual(preview.amount_due, 1200.0 + 800.0 + 450.0 + 300.0)
        self.assertIn(self.level_notice.name, preview.summary)
        self.assertNotIn(inv_excluded, preview.line_ids.move_ids)
        expected = {
            (late, self.level_first, "email", inv_late, 1200.0, "send"),
            (called, self.level_call, "call", inv_called, 800.0, "send"),
            (noticed, self.level_notice, "letter", inv_noticed, 450.0, "confirm"),
            (early, self.level_before, "email", inv_early, 300.0, "send"),
        }
        self.assertEqual(
            {
                (
                    line.partner_id,
                    line.level_id,
                    line.channel,
                    line.move_ids,
                    line.amount_due,
                    line.outcome,
                )
                for line in preview.line_ids
            },
            expected,
        )
        # the night then creates exactly that
        run = self._run_cron(tonight)
        self.assertEqual(
            {
                (a.partner_id, a.level_id, a.channel, a.move_ids, a.amount_due)
                for a in run.action_ids
            },
            {row[:5] for row in expected},
        )
        self.assertEqual(run.draft_count, preview.draft_count)
