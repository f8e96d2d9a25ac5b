"""The customer's answers on its page (/my/reminders/<token>): *I will pay
on*, *I dispute*, *I have paid*, *I need a payment schedule*. Each is checked
(a refusal is a plain message and writes nothing), then recorded in the
history (channel *Customer page*), posted in the customer's chatter and given
to the credit controller as an activity."""

import math
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date
from odoo.tools.mimetypes import guess_mimetype

from .account_dunning_declaration import PAYMENT_METHODS
from .account_dunning_portal import MAX_INSTALMENTS, DunningPortalRefusal

# Answers a link may record per hour (account_dunning.portal_answers_per_hour).
DEFAULT_ANSWERS_PER_HOUR = 5
# The same answer on the same invoices within this many minutes is a repeat.
REPEAT_MINUTES = 10
MAX_UPLOAD_SIZE = 10 * 1024 * 1024
UPLOAD_MIMETYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
)
MAX_MESSAGE_LENGTH = 5000


class AccountDunningPortalAnswer(models.AbstractModel):
    """What the customer answers on its page, checked then recorded.

    Called in sudo by the page's controller for the customer its link opens
    for; invoice ids sent by the browser are checked against that customer's
    open invoices (`account.dunning.portal._get_answer_moves`).
    """

    _name = "account.dunning.portal.answer"
    _description = "Customer's answer on its page"

    # ------------------------------------------------------------
    # THE ANSWERS
    # ------------------------------------------------------------

    @api.model
    def _record_promise(self, customer, company, form, files=()):
        """*I will pay on*: a promise of payment with the rules of one taken by
        phone (a date from today on, not more than due) and no further ahead
        than the policy's horizon, beyond which the customer is asked to
        call."""
        Portal = self.env["account.dunning.portal"]
        self._check_rate(customer)
        moves = Portal._get_answer_moves(customer, company, form.get("move_ids"))
        today = Portal._get_today(company)
        date = self._parse_date(form.get("date"))
        if date < today:
            raise DunningPortalRefusal(
                self.env._("Choose a payment date from today on.")
            )
        policy = customer._get_dunning_policy(company)
        horizon = today + timedelta(days=policy.portal_promise_days or 30)
        if date > horizon:
            raise DunningPortalRefusal(
                self.env._(
                    "We can only record a payment up to %(date)s here: please call "
                    "us to agree on a later date.",
                    date=format_date(self.env, horizon),
                )
                + self._get_call_us(company)
            )
        amount = self._check_amount(form.get("amount"), moves)
        message = self._read_message(form.get("message"))
        Promise = self._get_model("account.dunning.promise")
        self._check_repeat(
            Promise,
            [("partner_id", "=", customer.id), ("channel", "=", "portal")],
            moves,
        )
        user = Portal._get_responsible(customer, company)
        with self._refusing_errors():
            promise = Promise.create(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "move_ids": [Command.set(moves.ids)],
                    "date": date,
                    "amount": amount,
                    "channel": "portal",
                    "user_id": user.id,
                    "note": message,
                }
            )
            summary = self.env._(
                "Will pay %(amount)s on %(date)s.",
                amount=format_amount(self.env, amount, company.currency_id),
                date=format_date(self.env, date),
            )
            promise.action_id = self._record_answer(
                customer, company, moves, "promise", summary, message
            )
            self._schedule_activity(
                customer,
                user,
                self.env._("Promise of payment on the customer page"),
                summary,
                date,
            )
        return promise

    @api.model
    def _record_dispute(self, customer, company, form, files=()):
        """*I dispute*: a dispute with a customer-facing reason; it pauses
        reminders when its reason says so."""
        Portal = self.env["account.dunning.portal"]
        self._check_rate(customer)
        moves = Portal._get_answer_moves(customer, company, form.get("move_ids"))
        reason = Portal._get_reasons(company).filtered(
            lambda r: str(r.id) == str(form.get("reason_id") or "")
        )
        if not reason:
            raise DunningPortalRefusal(self.env._("Choose the reason of the dispute."))
        message = self._read_message(form.get("message"), required=True)
        uploads = self._check_uploads(files)
        Dispute = self._get_model("account.dunning.dispute")
        self._check_repeat(Dispute, [("partner_id", "=", customer.id)], moves)
        user = Portal._get_responsible(customer, company)
        with self._refusing_errors():
            dispute = Dispute.create(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "move_ids": [Command.set(moves.ids)],
                    "reason_id": reason.id,
                    "user_id": user.id,
                    "date": Portal._get_today(company),
                    "note": Markup("<p>%s</p>") % message,
                }
            )
            attachments = self._create_attachments(dispute, uploads)
            summary = self.env._("Disputes: %(reason)s.", reason=reason.name)
            self._record_answer(
                customer, company, moves, "dispute", summary, message, attachments
            )
            dispute.message_post(
                body=Markup("%s<br/>%s") % (summary, message),
                author_id=customer.id,
                attachment_ids=attachments.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            self._schedule_activity(
                dispute,
                user,
                self.env._("Dispute opened on the customer page"),
                summary,
                Portal._get_today(company),
            )
        return dispute

    @api.model
    def _record_paid(self, customer, company, form, files=()):
        """*I have paid*: a declaration the credit controller checks; its
        invoices are held for the policy's grace days meanwhile."""
        Portal = self.env["account.dunning.portal"]
        self._check_rate(customer)
        moves = Portal._get_answer_moves(customer, company, form.get("move_ids"))
        date = self._parse_date(form.get("date"))
        today = Portal._get_today(company)
        if date > today:
            raise DunningPortalRefusal(
                self.env._("A payment already made cannot be dated in the future.")
            )
        first = min(moves.mapped("invoice_date") or [date])
        if date < first:
            raise DunningPortalRefusal(
                self.env._(
                    "This date is before the invoices (%(date)s): check the date of "
                    "your payment.",
                    date=format_date(self.env, first),
                )
            )
        amount = self._check_amount(form.get("amount"), moves)
        method = form.get("payment_method")
        if method not in dict(PAYMENT_METHODS):
            raise DunningPortalRefusal(self.env._("Choose how you paid."))
        message = self._read_message(form.get("message"))
        uploads = self._check_uploads(files)
        return self._create_declaration(
            customer,
            company,
            moves,
            {
                "kind": "paid",
                "date": date,
                "amount": amount,
                "payment_method": method,
                "message": message,
            },
            uploads,
            "already_paid",
            self.env._("Check the payment the customer declared"),
        )

    @api.model
    def _record_plan(self, customer, company, form, files=()):
        """*I need a payment schedule*: a request the credit controller turns
        into a schedule with the payment schedule wizard, pre-filled."""
        Portal = self.env["account.dunning.portal"]
        self._check_rate(customer)
        moves = Portal._get_answer_moves(customer, company, form.get("move_ids"))
        try:
            count = int(form.get("instalment_count") or 0)
        except ValueError:
            count = 0
        if not 2 <= count <= MAX_INSTALMENTS:
            raise DunningPortalRefusal(
                self.env._(
                    "Propose between 2 and %(max)s instalments.", max=MAX_INSTALMENTS
                )
            )
        message = self._read_message(form.get("message"))
        uploads = self._check_uploads(files)
        return self._create_declaration(
            customer,
            company,
            moves,
            {
                "kind": "plan_request",
                "date": Portal._get_today(company),
                "amount": sum(moves.mapped("amount_residual_signed")),
                "instalment_count": count,
                "message": message,
            },
            uploads,
            "plan_request",
            self.env._("Payment schedule requested on the customer page"),
        )

    # ------------------------------------------------------------
    # HELPERS OF THE ANSWERS
    # ------------------------------------------------------------

    @api.model
    def _create_declaration(
        self, customer, company, moves, vals, uploads, result, activity
    ):
        Portal = self.env["account.dunning.portal"]
        Declaration = self._get_model("account.dunning.declaration")
        self._check_repeat(
            Declaration,
            [("partner_id", "=", customer.id), ("kind", "=", vals["kind"])],
            moves,
        )
        user = Portal._get_responsible(customer, company)
        with self._refusing_errors():
            declaration = Declaration.create(
                dict(
                    vals,
                    company_id=company.id,
                    partner_id=customer.id,
                    move_ids=[Command.set(moves.ids)],
                    declared_date=Portal._get_today(company),
                    user_id=user.id,
                )
            )
            attachments = self._create_attachments(declaration, uploads)
            declaration.attachment_ids = [Command.set(attachments.ids)]
            summary = declaration._get_summary()
            declaration.action_id = self._record_answer(
                customer,
                company,
                moves,
                result,
                summary,
                vals.get("message"),
                attachments,
            )
            self._schedule_activity(
                declaration, user, activity, summary, Portal._get_today(company)
            )
        return declaration

    @api.model
    def _record_answer(
        self, customer, company, moves, result, summary, message=None, attachments=None
    ):
        """The answer in the history (a reminder of channel *Customer page*,
        done, without invoice lines: it takes no level's slot and moves no
        invoice) and in the customer's chatter, by the customer."""
        Portal = self.env["account.dunning.portal"]
        invoices = self.env._(
            "Invoices: %(names)s", names=", ".join(moves.mapped("name"))
        )
        note = "\n".join(filter(None, [summary, invoices, message]))
        action = (
            self._get_model("account.dunning.action")
            .with_context(mail_create_nolog=True, mail_notrack=True)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "contact_ids": [Command.set(customer.ids)],
                    "level_id": customer.with_company(company).dunning_level_id.id,
                    "date": Portal._get_today(company),
                    "channel": "portal",
                    "state": "done",
                    "result": result,
                    "user_id": Portal._get_responsible(customer, company).id,
                    "amount_due": sum(moves.mapped("amount_residual_signed")),
                    "note": note,
                    "validated_date": fields.Datetime.now(),
                }
            )
        )
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._("Answer on the customer page: %(summary)s", summary=summary),
            invoices,
        )
        if message:
            body += Markup("<p>%s</p>") % message
        customer.message_post(
            body=body,
            author_id=customer.id,
            attachment_ids=(attachments or self.env["ir.attachment"]).ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return action

    @api.model
    def _get_model(self, name):
        """`name` to write an answer with: the activity created for the credit
        controller tells them, not an assignment email from a public visitor."""
        return self.env[name].sudo().with_context(mail_auto_subscribe_no_notify=True)

    @api.model
    def _schedule_activity(self, record, user, summary, note, deadline):
        """The answer as a to-do for the credit controller."""
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(
            {
                "res_model_id": self.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": summary,
                "note": note,
                "date_deadline": deadline,
                "user_id": user.id,
                # closed by the declaration's buttons (activity_feedback)
                "automated": True,
            }
        )

    @api.model
    def _get_call_us(self, company):
        phone = company.partner_id.phone
        return (" " + self.env._("Phone: %(phone)s", phone=phone)) if phone else ""

    @api.model
    def _parse_date(self, value):
        try:
            date = fields.Date.to_date(value or None)
        except (TypeError, ValueError):
            date = None
        if not date:
            raise DunningPortalRefusal(self.env._("Enter a valid date."))
        return date

    @api.model
    def _check_amount(self, value, moves):
        """The amount typed (1234.56, or 1 234,56), more than zero and not more
        than the invoices leave to pay (in the company currency, as a promise
        by phone)."""
        text = (value or "").strip().replace("\u202f", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            amount = float(text)
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount):
            raise DunningPortalRefusal(self.env._("Enter an amount."))
        currency = moves.company_id.currency_id[:1]
        if currency.compare_amounts(amount, 0) <= 0:
            raise DunningPortalRefusal(self.env._("Enter an amount above zero."))
        due = currency.round(sum(moves.mapped("amount_residual_signed")))
        if currency.compare_amounts(amount, due) > 0:
            raise DunningPortalRefusal(
                self.env._(
                    "%(amount)s is more than these invoices leave to pay (%(due)s).",
                    amount=format_amount(self.env, amount, currency),
                    due=format_amount(self.env, due, currency),
                )
            )
        return currency.round(amount)

    @api.model
    def _read_message(self, value, required=False):
        message = (value or "").strip()
        if required and not message:
            raise DunningPortalRefusal(self.env._("Tell us what is wrong."))
        if len(message) > MAX_MESSAGE_LENGTH:
            raise DunningPortalRefusal(
                self.env._(
                    "Your message is too long: keep it under %(max)s characters, "
                    "and attach a document for the details.",
                    max=MAX_MESSAGE_LENGTH,
                )
            )
        return message

    @api.model
    def _check_uploads(self, files):
        """Files sent with an answer, as (name, content): PDF or images of 10 MB
        at most each; the content decides the type, not the name."""
        checked = []
        for name, content in files:
            if not content:
                continue
            if len(content) > MAX_UPLOAD_SIZE:
                raise DunningPortalRefusal(
                    self.env._(
                        "%(name)s is larger than 10 MB: send a lighter file.",
                        name=name,
                    )
                )
            mimetype = guess_mimetype(content)
            if mimetype not in UPLOAD_MIMETYPES:
                raise DunningPortalRefusal(
                    self.env._(
                        "%(name)s is neither a PDF nor an image: send a PDF, PNG, "
                        "JPEG, GIF or WebP file.",
                        name=name,
                    )
                )
            checked.append((name or self.env._("Document"), content, mimetype))
        return checked

    @api.model
    def _create_attachments(self, record, uploads):
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": record._name,
                        "res_id": record.id,
                    }
                    for name, content, mimetype in uploads
                ]
            )
        )

    @api.model
    def _check_rate(self, customer):
        """Answers of one link are serialised (the customer's row is locked
        until the answer is recorded) and limited per hour."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE",
                customer.id,
            )
        )
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account_dunning.portal_answers_per_hour")
        )
        try:
            limit = int(value) if value else DEFAULT_ANSWERS_PER_HOUR
        except ValueError:
            limit = DEFAULT_ANSWERS_PER_HOUR
        count = (
            self.env["account.dunning.action"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", customer.id),
                    ("channel", "=", "portal"),
                    ("create_date", ">", fields.Datetime.now() - timedelta(hours=1)),
                ]
            )
        )
        if count >= limit:
            raise DunningPortalRefusal(
                self.env._(
                    "You sent several answers within the hour: they are recorded. "
                    "For anything else, please call us or come back later."
                )
            )

    @api.model
    def _check_repeat(self, model, domain, moves):
        """The same answer on the same invoices a moment ago (a form sent
        twice) is refused."""
        recent = model.search(
            [
                *domain,
                (
                    "create_date",
                    ">",
                    fields.Datetime.now() - timedelta(minutes=REPEAT_MINUTES),
                ),
            ]
        )
        if any(set(record.move_ids.ids) == set(moves.ids) for record in recent):
            raise DunningPortalRefusal(
                self.env._(
                    "You sent this answer for these invoices a moment ago: it is "
                    "recorded, and we will come back to you."
                )
            )

    @api.model
    @contextmanager
    def _refusing_errors(self):
        """Writes of an answer in a savepoint: a check of the models (a
        promise's rules, a dispute's invoices) refuses the answer with its
        message and leaves nothing written."""
        try:
            with self.env.cr.savepoint():
                yield
        except DunningPortalRefusal:
            raise
        except UserError as error:  # ValidationError too
            raise DunningPortalRefusal(error.args[0]) from error
