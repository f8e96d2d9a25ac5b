from datetime import timedelta

from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestFormalNoticeMerge(DunningCommon):
    """One formal notice per customer awaits approval: a second invoice
    reaching the notice while the first waits joins it."""

    def _notices(self, partner=None):
        return self._actions(partner).filtered("is_formal_notice")

    def test_second_invoice_joins_the_pending_notice_then_a_new_one(self):
        due = self._d("2026-03-02")
        first = self._create_invoice(self.customer, due, 1000.0)
        second = self._create_invoice(self.customer, due + timedelta(days=3), 500.0)
        self._set_level(
            first | second, self.level_last_call, day=due + timedelta(days=25)
        )
        run = self._run(due + timedelta(days=30))
        notice = self._notices()
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.move_ids, first)
        self.assertEqual(notice.amount_due, 1000.0)
        self.assertEqual(run.draft_count, 1)
        # three days later the second invoice reaches the notice: no second draft
        run = self._run(due + timedelta(days=33))
        self.assertEqual(run.action_count, 0)
        self.assertEqual(self._notices(), notice)
        self.assertEqual(notice.state, "draft")
        self.assertEqual(len(notice.line_ids), 2)
        self.assertEqual(notice.move_ids, first | second)
        self.assertEqual(notice.line_ids.level_id, self.level_notice)
        self.assertEqual(notice.amount_due, 1500.0)
        # approved: the invoices reach the notice
        notice.action_validate()
        self.assertEqual(notice.state, "to_send")
        self.assertEqual(second.dunning_level_id, self.level_notice)
        # a third invoice reaching the notice later gets a notice of its own
        third = self._create_invoice(self.customer, due + timedelta(days=10), 300.0)
        self._set_level(third, self.level_last_call, day=due + timedelta(days=35))
        self._run(due + timedelta(days=41))
        new = self._notices() - notice
        self.assertEqual(len(new), 1)
        self.assertEqual(new.state, "draft")
        self.assertEqual(new.move_ids, third)
        self.assertEqual(new.amount_due, 300.0)

    def test_remind_dialog_adds_the_invoice_to_the_pending_notice(self):
        today = self.env["account.dunning.run"]._company_today(self.company)
        first = self._create_invoice(self.customer, today - timedelta(days=40), 1000.0)
        second = self._create_invoice(self.customer, today - timedelta(days=31), 400.0)
        self._set_level(
            first | second, self.level_last_call, day=today - timedelta(days=20)
        )
        self._run(today - timedelta(days=5))
        notice = self._notices()
        self.assertEqual(notice.move_ids, first)
        user = self._create_user(
            "notice_user", "account_dunning.group_account_dunning_user"
        )
        second_as_user = second.with_user(user)
        wizard = Form(
            self.env["account.dunning.wizard"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=second_as_user.ids)
        ).save()
        self.assertEqual(wizard.line_ids.level_id, self.level_notice)
        wizard.action_confirm()
        self.assertEqual(self._notices(), notice)
        self.assertEqual(notice.state, "draft")
        self.assertEqual(notice.move_ids, first | second)
        self.assertEqual(notice.amount_due, 1400.0)
