import base64
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account_dunning.models.account_dunning_portal import (
    DunningPortalRefusal,
)

from .common_portal import PortalCommon

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestPortalAnswers(PortalCommon):
    """What the customer answers on its page: each answer is recorded in the
    history (channel Customer page), in the customer's chatter and as an
    activity of the credit controller; every refusal writes nothing."""

    def _assert_nothing_written(self):
        self.assertFalse(self._portal_actions())
        self.assertFalse(
            self.env["account.dunning.promise"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertFalse(
            self.env["account.dunning.dispute"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
        self.assertFalse(
            self.env["account.dunning.declaration"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )

    def _refused(self, method, form, files=(), message=None):
        with self.assertRaises(DunningPortalRefusal) as refusal:
            getattr(self.Answer, method)(self.customer, self.company, form, files)
        if message:
            self.assertIn(message, refusal.exception.args[0])
        self._assert_nothing_written()

    # ------------------------------------------------------------
    # I will pay on
    # ------------------------------------------------------------

    def test_promise_recorded_like_a_phone_promise(self):
        date = self.today + timedelta(days=12)
        promise = self.Answer._record_promise(
            self.customer,
            self.company,
            self._form(self.inv_old, date=str(date), amount="800", message="Virement"),
        )
        self.assertEqual(
            (promise.channel, promise.state, promise.date, promise.amount),
            ("portal", "open", date, 800.0),
        )
        self.assertEqual(promise.move_ids, self.inv_old)
        self.assertEqual(promise.user_id, self.controller)
        self.assertEqual(self.inv_old.dunning_promise_date, date)
        action = self._portal_actions()
        self.assertEqual(promise.action_id, action)
        self.assertEqual(
            (action.channel, action.state, action.result),
            ("portal", "done", "promise"),
        )
        self.assertFalse(action.line_ids, "an answer takes no level's slot")
        self.assertIn(self.inv_old.name, action.note)
        message = self.customer.message_ids[:1]
        self.assertEqual(message.author_id, self.customer)
        self.assertIn("customer page", message.body)
        self.assertIn(self.inv_old.name, message.body)
        activity = self.customer.activity_ids
        self.assertEqual(activity.user_id, self.controller)
        self.assertEqual(activity.date_deadline, date)
        # the activity tells the controller: no assignment email from a visitor
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", self.controller.partner_id.ids)])
        )

    def test_promise_refusals(self):
        horizon = self.today + timedelta(days=30)
        yesterday = self.today - timedelta(days=1)
        cases = [
            (self._form(self.inv_old, date=str(yesterday), amount="100"), "from today"),
            (
                self._form(
                    self.inv_old, date=str(horizon + timedelta(days=1)), amount="100"
                ),
                "please call",
            ),
            (self._form(self.inv_old, date=str(horizon), amount="0"), "above zero"),
            (self._form(self.inv_old, date=str(horizon), amount="-5"), "above zero"),
            (self._form(self.inv_old, date=str(horizon), amount="1000.01"), "more"),
            (self._form(self.inv_old, date=str(horizon), amount="abc"), "amount"),
            (self._form(self.inv_old, date=str(horizon), amount="nan"), "amount"),
            (self._form(self.inv_old, date="31/02/2030", amount="10"), "valid date"),
            (
                self._form(self.env["account.move"], date=str(horizon), amount="1"),
                "Choose the invoices",
            ),
        ]
        for form, message in cases:
            with self.subTest(form=form):
                self._refused("_record_promise", form, message=message)

    def test_promise_horizon_is_the_policys(self):
        self.company.dunning_policy_id.portal_promise_days = 45
        date = self.today + timedelta(days=45)
        promise = self.Answer._record_promise(
            self.customer,
            self.company,
            self._form(self.inv_old, date=str(date), amount="1 000,00"),
        )
        self.assertEqual((promise.date, promise.amount), (date, 1000.0))

    def test_invoice_ids_of_another_customer_are_refused(self):
        """Edited in the request, another customer's invoice (or a paid, draft
        or cancelled one of the customer) is never acted on."""
        draft = self._create_invoice(self.customer, self.today, post=False)
        cancelled = self._create_invoice(self.customer, self.today)
        cancelled.button_draft()
        cancelled.button_cancel()
        date = str(self.today + timedelta(days=5))
        for moves in (
            self.other_invoice,
            self.inv_old | self.other_invoice,
            draft,
            cancelled,
        ):
            with self.subTest(moves=moves.mapped("name")):
                self._refused(
                    "_record_promise",
                    self._form(moves, date=date, amount="10"),
                    message="not among your invoices",
                )
        self._refused(
            "_record_promise",
            {"move_ids": ["999999999"], "date": date, "amount": "10"},
            message="not among your invoices",
        )
        self._refused(
            "_record_promise",
            {"move_ids": ["1 OR 1=1"], "date": date, "amount": "10"},
        )
        self.assertFalse(self.other_invoice.dunning_promise_ids)

    # ------------------------------------------------------------
    # I dispute
    # ------------------------------------------------------------

    def test_dispute_pauses_as_its_reason_says(self):
        pausing = self.env.ref("account_dunning.reason_portal_wrong_amount")
        dispute = self.Answer._record_dispute(
            self.customer,
            self.company,
            self._form(self.inv_late, reason_id=str(pausing.id), message="Prix erroné"),
            [("bon.pdf", PDF)],
        )
        self.assertEqual(
            (dispute.state, dispute.reason_id, dispute.move_ids),
            ("open", pausing, self.inv_late),
        )
        self.assertTrue(self.inv_late.is_disputed)
        self.assertEqual(dispute.activity_ids.user_id, self.controller)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", dispute._name), ("res_id", "=", dispute.id)]
        )
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertIn(attachment, self.customer.message_ids[:1].attachment_ids)
        self.assertEqual(self._portal_actions().result, "dispute")
        # a reason that does not pause leaves the reminders going
        not_pausing = self.env.ref("account_dunning.excuse_due_date")
        self.Answer._record_dispute(
            self.customer,
            self.company,
            self._form(self.inv_old, reason_id=str(not_pausing.id), message="45 j"),
        )
        self.assertFalse(self.inv_old.is_disputed)

    def test_dispute_refusals(self):
        internal = self.env.ref("account_dunning.reason_bad_faith")
        facing = self.env.ref("account_dunning.reason_portal_not_delivered")
        big = PDF + b"0" * (10 * 1024 * 1024)
        cases = [
            (
                self._form(self.inv_late, reason_id=str(internal.id), message="x"),
                (),
                "reason",
            ),
            (self._form(self.inv_late, reason_id="", message="x"), (), "reason"),
            (
                self._form(self.inv_late, reason_id=str(facing.id), message="  "),
                (),
                "wrong",
            ),
            (
                self._form(self.inv_late, reason_id=str(facing.id), message="x" * 5001),
                (),
                "too long",
            ),
            (
                self._form(self.inv_late, reason_id=str(facing.id), message="x"),
                [("big.pdf", big)],
                "10 MB",
            ),
            (
                self._form(self.inv_late, reason_id=str(facing.id), message="x"),
                [("page.html", b"<html><script>alert(1)</script></html>")],
                "neither a PDF nor an image",
            ),
            (
                self._form(self.inv_late, reason_id=str(facing.id), message="x"),
                [("fake.pdf", b"MZ\x90\x00 not a pdf at all")],
                "neither a PDF nor an image",
            ),
        ]
        for form, files, message in cases:
            with self.subTest(message=message, files=[name for name, _c in files]):
                self._refused("_record_dispute", form, files, message=message)

    def test_customer_facing_reasons(self):
        reasons = self.Portal._get_reasons(self.company)
        self.assertIn(self.env.ref("account_dunning.reason_portal_other"), reasons)
        self.assertNotIn(self.env.ref("account_dunning.reason_bad_faith"), reasons)
        self.assertTrue(all(reasons.mapped("customer_facing")))

    # ------------------------------------------------------------
    # I have paid
    # ------------------------------------------------------------

    def test_paid_declaration_holds_the_invoices_for_the_grace_days(self):
        """The controller is asked to check the payment; meanwhile the night
        leaves the invoices alone for the policy's grace days, then reminds
        them if the payment was not found."""
        declaration = self.Answer._record_paid(
            self.customer,
            self.company,
            self._form(
                self.inv_old | self.inv_late,
                date=str(self.today - timedelta(days=2)),
                amount="1500",
                payment_method="transfer",
            ),
            [("avis.png", PNG)],
        )
        self.assertEqual(
            (declaration.kind, declaration.state, declaration.amount),
            ("paid", "open", 1500.0),
        )
        self.assertEqual(declaration.attachment_ids.mimetype, "image/png")
        self.assertEqual(declaration.activity_ids.user_id, self.controller)
        self.assertEqual(
            declaration.activity_ids.summary,
            "Check the payment the customer declared",
        )
        self.assertEqual(self._portal_actions().result, "already_paid")
        self.assertEqual(self.inv_old.dunning_declared_paid_date, self.today)
        self.assertEqual(self.inv_old.dunning_hold, "declared_paid")
        grace = self.company.dunning_policy_id.grace_days
        self.assertEqual(declaration.hold_until, self.today + timedelta(days=grace))
        # the next night: held
        run = self._run(self.today + timedelta(days=grace))
        # counted as money received, to reconcile
        self.assertEqual(run.skip_bank_line, 2)
        self.assertEqual(run.skip_promise, 0)
        self.assertFalse(self._actions(channel="email"))
        # once the grace days are over, the reminders resume
        run = self._run(self.today + timedelta(days=grace + 1))
        self.assertTrue(self._actions(channel="email"))
        self.assertEqual(run.skip_bank_line, 0)

    def test_rejected_declaration_releases_the_invoices(self):
        declaration = self.Answer._record_paid(
            self.customer,
            self.company,
            self._form(
                self.inv_old,
                date=str(self.today),
                amount="1000",
                payment_method="cheque",
            ),
        )
        declaration.with_user(self.controller).sudo().action_reject()
        self.assertEqual(declaration.state, "rejected")
        self.assertFalse(self.inv_old.dunning_declared_paid_date)
        self.assertFalse(declaration.activity_ids)

    def test_paid_refusals(self):
        future = str(self.today + timedelta(days=1))
        before = str(self.inv_old.invoice_date - timedelta(days=1))
        today = str(self.today)
        cases = [
            (
                self._form(
                    self.inv_old, date=future, amount="10", payment_method="transfer"
                ),
                "future",
            ),
            (
                self._form(
                    self.inv_old, date=before, amount="10", payment_method="transfer"
                ),
                "before the invoices",
            ),
            (
                self._form(
                    self.inv_old, date=today, amount="0", payment_method="transfer"
                ),
                "above zero",
            ),
            (
                self._form(
                    self.inv_old, date=today, amount="5000", payment_method="transfer"
                ),
                "more",
            ),
            (
                self._form(
                    self.inv_old, date=today, amount="10", payment_method="bitcoin"
                ),
                "how you paid",
            ),
        ]
        for form, message in cases:
            with self.subTest(message=message):
                self._refused("_record_paid", form, message=message)

    # ------------------------------------------------------------
    # I need a payment schedule
    # ------------------------------------------------------------

    def test_plan_request_turns_into_a_schedule_through_the_wizard(self):
        declaration = self.Answer._record_plan(
            self.customer,
            self.company,
            self._form(
                self.inv_old | self.inv_late, instalment_count="4", message="Merci"
            ),
        )
        self.assertEqual(
            (declaration.kind, declaration.instalment_count, declaration.amount),
            ("plan_request", 4, 1500.0),
        )
        self.assertEqual(self._portal_actions().result, "plan_request")
        action = declaration.action_open_schedule_wizard()
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.move_ids, self.inv_old | self.inv_late)
        self.assertEqual(wizard.instalment_count, 4)
        self.assertEqual(wizard.declaration_id, declaration)
        self.assertEqual(len(wizard.line_ids), 4)
        result = wizard.action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(result["res_id"])
        self.assertEqual(declaration.schedule_id, schedule)
        self.assertEqual(declaration.state, "confirmed")
        self.assertFalse(declaration.activity_ids)

    def test_plan_refusals(self):
        for count in ("1", "25", "", "trois"):
            with self.subTest(count=count):
                self._refused(
                    "_record_plan",
                    self._form(self.inv_old, instalment_count=count),
                    message="instalments",
                )

    # ------------------------------------------------------------
    # Repeated submissions
    # ------------------------------------------------------------

    def test_same_answer_twice_is_refused(self):
        form = self._form(
            self.inv_old, date=str(self.today + timedelta(days=3)), amount="100"
        )
        self.Answer._record_promise(self.customer, self.company, form)
        with self.assertRaises(DunningPortalRefusal) as refusal:
            self.Answer._record_promise(self.customer, self.company, form)
        self.assertIn("a moment ago", refusal.exception.args[0])
        self.assertEqual(len(self._portal_actions()), 1)
        # another invoice is another answer
        self.Answer._record_promise(
            self.customer, self.company, dict(form, move_ids=[str(self.inv_late.id)])
        )
        self.assertEqual(len(self._portal_actions()), 2)

    def test_answers_per_hour_are_limited(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "account_dunning.portal_answers_per_hour", 2
        )
        date = str(self.today + timedelta(days=3))
        for move in (self.inv_old, self.inv_late):
            self.Answer._record_promise(
                self.customer, self.company, self._form(move, date=date, amount="10")
            )
        with self.assertRaises(DunningPortalRefusal) as refusal:
            self.Answer._record_plan(
                self.customer,
                self.company,
                self._form(self.inv_next, instalment_count="3"),
            )
        self.assertIn("within the hour", refusal.exception.args[0])
        self.assertEqual(len(self._portal_actions()), 2)
        # an hour later, the link answers again
        later = fields.Datetime.now() + timedelta(hours=1, minutes=1)
        with patch.object(fields.Datetime, "now", return_value=later):
            self.Answer._record_plan(
                self.customer,
                self.company,
                self._form(self.inv_next, instalment_count="3"),
            )
        self.assertEqual(len(self._portal_actions()), 3)

    def test_errors_while_recording_refuse_without_writing(self):
        """An error raised while an answer is written (a model's check) is a
        refusal with its message, and what was already written is undone."""
        with patch.object(
            type(self.Answer), "_schedule_activity", side_effect=UserError("Nope")
        ):
            self._refused(
                "_record_promise",
                self._form(
                    self.inv_old, date=str(self.today + timedelta(days=2)), amount="5"
                ),
                message="Nope",
            )
        self.assertFalse(self.inv_old.dunning_promise_date)

    # ------------------------------------------------------------
    # What the engine does with answers
    # ------------------------------------------------------------

    def test_an_answer_is_no_reminder(self):
        """An answer done in the history does not count as the customer's last
        reminder (the minimum interval), nor in a letter's earlier reminders,
        nor as the invoices' level."""
        self._set_level(self.inv_old, self.level_first, self.today - timedelta(days=30))
        self.Answer._record_plan(
            self.customer, self.company, self._form(self.inv_next, instalment_count="3")
        )
        self.assertEqual(self.inv_old.dunning_level_id, self.level_first)
        self.assertEqual(self.inv_next.dunning_count, 0)
        run = self._run(self.today)
        self.assertFalse(run.skip_interval)
        self.assertTrue(self._actions().filtered(lambda a: a.channel != "portal"))
        portal = self._portal_actions()
        self.assertEqual(portal.state, "done")
        # confirming a draft answer by hand does not break (it is done at once)
        draft = portal.copy({"state": "draft", "date": self.today})
        draft.action_validate()
        self.assertEqual(draft.state, "done")
        history = self.env["report.account_dunning.report_dunning_letter"]._get_history(
            self._actions(channel="email")
        )
        self.assertNotIn(portal, [a for actions in history.values() for a in actions])

    def test_revoke_link_renews_it(self):
        old = self.customer.dunning_access_token
        user = self._create_user(
            "portal_revoker", "account_dunning.group_account_dunning_user"
        )
        self.customer.with_user(user).action_dunning_revoke_link()
        self.assertNotEqual(self.customer.dunning_access_token, old)
        self.assertFalse(self.Portal._get_customer(old))
        self.assertEqual(
            self.Portal._get_customer(self.customer.dunning_access_token), self.customer
        )
        self.assertIn("revoked", self.customer.message_ids[:1].body)

    def test_links_are_the_commercial_entitys(self):
        contact = self.env["res.partner"].create(
            {"name": "Jeanne Martin", "parent_id": self.customer.id, "type": "contact"}
        )
        self.assertFalse(contact.dunning_access_token)
        self.assertEqual(
            contact._get_dunning_portal_url(), self.customer._get_dunning_portal_url()
        )
        self.assertTrue(self.customer._get_dunning_portal_url().endswith(self.token))
        self.assertEqual(len(self.token), 20)
        other = self.env["res.partner"].create(
            {"name": "Nouveau client", "is_company": True}
        )
        self.assertTrue(other.dunning_access_token)
        self.assertNotEqual(other.dunning_access_token, self.token)
        copy = self.customer.copy()
        self.assertNotEqual(copy.dunning_access_token, self.token)
        # typed from a letter: case, dashes and spaces do not matter
        typed = "-".join(self.token[i : i + 4] for i in range(0, 20, 4)).upper()
        self.assertEqual(self.Portal._get_customer(typed), self.customer)
        for wrong in (
            "",
            None,
            "x" * 20,
            self.token[:-1],
            self.token + "a",
            "' OR 1=1 --",
        ):
            self.assertFalse(self.Portal._get_customer(wrong))

    def test_link_expires_after_the_last_reminder(self):
        days = self.Portal._get_link_days()
        self.customer.sudo().dunning_access_token_date = self.today - timedelta(
            days=days + 5
        )
        self.assertFalse(self.Portal._get_customer(self.token))
        # a reminder sent since keeps it open
        self._set_level(
            self.inv_old, self.level_first, self.today - timedelta(days=days - 1)
        )
        self.assertEqual(self.Portal._get_customer(self.token), self.customer)
