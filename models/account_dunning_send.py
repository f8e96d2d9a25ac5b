"""Composition of the reminders, all channels: over 600 lines because each
channel is composed in batch here (one service, as account.move.send)."""

import base64
import logging

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..lib.formats import DunningFormats
from ..lib.sql import array_literal, update_column
from .account_dunning_action import VALIDATED_STATE_BY_CHANNEL

_logger = logging.getLogger(__name__)


class AccountDunningSend(models.AbstractModel):
    """What leaves with the reminders, composed for a whole batch: emails into
    Odoo's mail queue, SMS into its SMS queue, call tasks, and the chatter
    notes on customers and invoices (as `account.move.send` composes the
    invoices' emails for `account.move`).

    Each step works on many reminders at once and lets the reminder that
    breaks it fail alone, with the reason, never the batch.
    """

    _name = "account.dunning.send"
    _description = "Dunning reminders sending"

    # ------------------------------------------------------------
    # EMAILS
    # ------------------------------------------------------------

    @api.model
    def _compose_emails(self, actions, track=False):
        """Queue the reminders' emails, one batch per level: every field is
        rendered once per language and the emails are created in one go
        (`mail.template._dunning_queue_mail_batch`). When a batch fails, the
        reminders that break it are found and fail alone.

        A level attaching the invoice PDFs composes at once the emails whose
        invoices all have one; the others stay queued while a later step of
        the job renders the missing PDFs (`account.dunning.invoice.pdf`)."""
        Pdf = self.env["account.dunning.invoice.pdf"]
        for level, level_actions in actions.grouped("level_id").items():
            if not level.mail_template_id:
                self._fail_without_template(level_actions, "email", track)
                continue
            if level.attach_invoices:
                waiting = Pdf._get_waiting(level_actions)
                if waiting:
                    Pdf._trigger()
                    level_actions -= waiting
                    if not level_actions:
                        continue
            mail_by_action, errors = self._queue_emails_isolating_failures(
                level_actions, level.mail_template_id
            )
            sent = level_actions.browse(
                [action.id for action in level_actions if action.id in mail_by_action]
            )
            update_column(sent, "mail_id", [mail_by_action[a.id].id for a in sent])
            # done once the mail server takes them (account.dunning.delivery)
            sent._set_state("sending", track)
            for action in level_actions.browse(list(errors)):
                action._set_state(
                    "failed",
                    track,
                    error_message=self.env._(
                        "The email could not be prepared: %s", errors[action.id]
                    ),
                )
            if level.attach_invoices:
                Pdf._attach(sent)
            self._attach_extra_documents(sent)
        # Odoo's scheduler sends the mail queue every hour: the reminders go out
        # now rather than within the hour
        self._trigger_cron("mail.ir_cron_mail_scheduler_action")

    @api.model
    def _attach_extra_documents(self, actions):
        """Join to the reminders' emails the documents a user chose in the
        "Relancer" wizard: the customer's account statement and the company's
        general terms of sale. Done when the email is composed, so an email
        waiting for its invoice PDFs (`account.dunning.invoice.pdf`) gets them
        once composed by that later step, never in the user's click then.

        The statement is rendered here, one PDF per customer: only reminders
        created by a user ask for it (the night's never do), a handful at a
        time. The terms are a copy of the company's file (the filestore keeps
        one file for all copies)."""
        actions = actions.filtered(
            lambda a: a.mail_id and (a.attach_statement or a.attach_terms)
        )
        statements = {}
        for action in actions:
            files = []
            if action.attach_statement:
                key = (action.company_id, action.partner_id)
                if key not in statements:
                    statements[key] = self._render_statement(*key)
                files.append(statements[key])
            terms = self._get_terms_of_sale(action.company_id)
            if action.attach_terms and terms:
                files.append(terms)
            if not files:
                continue
            # sudo: mail.mail is an administrator's model; the user composing
            # the reminder may add its attachments, as send_mail_batch does
            mail = action.mail_id.sudo()
            mail.with_context(default_type=None).write(
                {
                    "attachment_ids": [
                        Command.create(
                            {
                                "name": name,
                                "raw": raw,
                                "type": "binary",
                                "res_model": "mail.message",
                                "res_id": mail.mail_message_id.id,
                            }
                        )
                        for name, raw in files
                    ]
                }
            )

    @api.model
    def _render_statement(self, company, partner):
        """(file name, content) of the customer's account statement, as the
        statement report prints it for `company`."""
        report = self.env["ir.actions.report"].with_company(company)
        content, kind = report._render_qweb_pdf(
            "account_dunning.action_report_dunning_statement", partner.ids
        )
        return (
            self._get_statement_name(partner) + (".pdf" if kind == "pdf" else ".html"),
            content,
        )

    @api.model
    def _get_statement_name(self, partner):
        return self.env._("Account statement - %(customer)s", customer=partner.name)

    @api.model
    def _get_terms_of_sale(self, company):
        """(file name, content) of the company's general terms of sale, or None
        when the company has not set them (Invoicing settings)."""
        if not company.dunning_terms_file:
            return None
        return (
            company.dunning_terms_filename or self.env._("General terms of sale.pdf"),
            base64.b64decode(company.dunning_terms_file),
        )

    @api.model
    def _get_extra_document_names(self, partner, company, statement, terms):
        """Names of the documents joined on top of the invoices (the wizard's
        preview, the letter's list of enclosures)."""
        names = []
        if statement:
            names.append(self._get_statement_name(partner))
        if terms and company.with_context(bin_size=True).dunning_terms_file:
            names.append(
                company.dunning_terms_filename
                or self.env._("General terms of sale.pdf")
            )
        return names

    @api.model
    def _queue_emails_isolating_failures(self, actions, template):
        """Compose the reminders' emails so that each reminder fails alone:
        ({action id: mail.mail} of those composed, {action id: error} of those
        whose email cannot be composed).

        The reminders are composed in one batch. A batch that fails is split in
        halves, each composed in batch again, down to the reminder that breaks
        it: one broken customer among a thousand costs some twenty batches
        instead of a thousand emails composed one at a time. When both halves
        fail (a template broken for many customers), their reminders are
        composed one at a time."""
        mail_by_action = {}
        errors = {}

        def compose(batch):
            try:
                with self.env.cr.savepoint():
                    mails = template._dunning_queue_mail_batch(batch.ids)
            except Exception as error:  # noqa: BLE001 - recorded on the action
                if len(batch) == 1:
                    errors[batch.id] = error
                return False
            mail_by_action.update((mail.res_id, mail) for mail in mails)
            return True

        def isolate(batch):
            _logger.info(
                "Dunning email batch of %s reminders failed, splitting it",
                len(batch),
            )
            half = len(batch) // 2
            failing = [
                part
                for part in (batch[:half], batch[half:])
                if not compose(part) and len(part) > 1
            ]
            if len(failing) == 2:
                for action in failing[0] | failing[1]:
                    compose(action)
            elif failing:
                isolate(failing[0])

        if not compose(actions) and len(actions) > 1:
            isolate(actions)
        return mail_by_action, errors

    # ------------------------------------------------------------
    # SMS AND CALLS
    # ------------------------------------------------------------

    @api.model
    def _compose_sms(self, actions, track=False):
        """Queue the reminders' SMS in Odoo's SMS queue, one rendering of the
        body per level."""
        vals_list = []
        ordered = actions.browse()
        for level, level_actions in actions.grouped("level_id").items():
            if not level.sms_template_id:
                self._fail_without_template(level_actions, "sms", track)
                continue
            bodies = level.sms_template_id._render_field("body", level_actions.ids)
            for action in level_actions:
                contact = self._get_sms_contact(action)
                vals_list.append(
                    {
                        "body": bodies[action.id],
                        "number": contact.phone_sanitized or contact.mobile,
                        "partner_id": contact.id,
                        "state": "outgoing",
                    }
                )
            ordered |= level_actions
        sms_records = self.env["sms.sms"].sudo().create(vals_list)
        update_column(ordered, "sms_id", sms_records.ids)
        # done once the SMS provider takes them (account.dunning.delivery)
        ordered._set_state("sending", track)
        self._trigger_cron("sms.ir_cron_sms_scheduler_action")

    @api.model
    def _fail_without_template(self, actions, channel, track=False):
        """A user chose a channel its level has no template for (the "Remind"
        wizard lets any channel be ticked): its reminders fail and say so."""
        level = actions.level_id[:1]
        if channel == "email":
            message = self.env._(
                "The level “%(level)s” has no email template: choose one on the "
                "level, then retry.",
                level=level.name or "",
            )
        else:
            message = self.env._(
                "The level “%(level)s” has no SMS template: choose one on the "
                "level, then retry.",
                level=level.name or "",
            )
        actions._set_state("failed", track, error_message=message)

    # ------------------------------------------------------------
    # LETTERS SENT BY POST
    # ------------------------------------------------------------

    @api.model
    def _prepare_send_mode(self, vals_list):
        """Letters take how they leave (print / post) from their level when
        they are created: the night's bulk INSERT and the "Relancer" wizard
        both come here (`account.dunning.action._create_bulk`; levels read at
        once, prefetch)."""
        Level = self.env["account.dunning.level"].browse(
            list({vals["level_id"] for vals in vals_list if vals.get("level_id")})
        )
        for vals in vals_list:
            if vals["channel"] == "letter" and not vals.get("send_mode"):
                vals["send_mode"] = (
                    Level.browse(vals.get("level_id")).send_mode or "print"
                )
        return vals_list

    @api.model
    def _get_validated_state(self, channel, send_mode=None):
        """State a reminder reaches once validated: a letter sent by post is
        queued, as an email to compose, until `_post_letters` hands it to
        Odoo's postal service."""
        if channel == "letter" and send_mode == "post":
            return "queued"
        return VALIDATED_STATE_BY_CHANNEL[channel]

    @api.model
    def _post_letters(self, actions, track=False):
        """Hand letters sent by post to Odoo's postal service (snailmail), as
        Odoo posts invoices: each letter's own PDF (rendered in one batch and
        filed on the reminder, as printing does) becomes a `snailmail.letter`
        that Odoo's postal queue sends; the reminder waits for its answer
        (`sending`, see `account.dunning.delivery._record_snailmail_outcomes`).

        Never posted twice: a reminder that already has a postal letter (a
        retry) hands the same letter back to the queue, or is done at once if
        that letter left meanwhile.
        """
        posted = actions.filtered(lambda a: a.snailmail_letter_id.state == "sent")
        posted._set_state("done", track, error_message=False)
        self.env["account.dunning.delivery"]._set_posted_date(posted)
        self._log_in_chatter(posted)
        actions -= posted
        to_render = actions.filtered(
            lambda a: not a.snailmail_letter_id and not a.letter_attachment_id
        )
        if to_render:
            Report = self.env["report.account_dunning.report_dunning_letter"]
            Report._file_letters(
                Report._split_letters_pdf(
                    to_render, Report._render_letters_pdf(to_render)
                )
            )
        new = actions.filtered(lambda a: not a.snailmail_letter_id)
        letters = self.env["snailmail.letter"].create(
            [
                {
                    "model": action._name,
                    "res_id": action.id,
                    "partner_id": action.partner_id.id,
                    "company_id": action.company_id.id,
                    "user_id": self.env.uid,
                    "attachment_id": action.letter_attachment_id.id,
                }
                for action in new
            ]
        )
        update_column(new, "snailmail_letter_id", letters.ids)
        actions._set_state("sending", track, error_message=False)
        retried = (actions - new).snailmail_letter_id
        retried.write({"state": "pending", "error_code": False, "info_msg": False})
        # the letters whose address is incomplete fail at once (and their
        # reminders with them), the others wait for the postal queue's cron
        (letters | retried)._snailmail_print(immediate=False)
        self._trigger_cron("snailmail.snailmail_print")

    @api.model
    def _trigger_cron(self, xmlid):
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _prepare_call_activity_vals(self, partner, level, date, user_id, note):
        return {
            "res_id": partner.id,
            "res_name": partner.display_name,
            "activity_type_id": level.activity_type_id.id
            or self.env["ir.model.data"]._xmlid_to_res_id(
                "mail.mail_activity_data_call"
            ),
            "summary": self.env._("Dunning call: %(level)s", level=level.name),
            "note": note,
            "date_deadline": date,
            "user_id": user_id or self.env.uid,
            # whose calling days and hours apply (`_dunning_create_calls`)
            "company_id": level.company_id.id,
        }

    # ------------------------------------------------------------
    # VALIDATING THE NIGHT'S REMINDERS
    # ------------------------------------------------------------

    @api.model
    def _validate_reminders(self, vals_list, snapshot):
        """Validate reminders before they are created (nightly job): each gets
        the state it would reach through `_execute`, or fails with the reason,
        and call tasks are created first, so that reminders and lines are
        written once, in their final state. `snapshot` (the batch's
        `DunningSnapshot`) knows the customers and their contacts."""
        now = fields.Datetime.now()
        formats = DunningFormats(self.env)
        Level = self.env["account.dunning.level"]
        self._prepare_send_mode(vals_list)
        Rule = self.env["account.dunning.rule"]
        contacts = snapshot.contacts
        currency = snapshot.company.currency_id
        calls = []
        for vals in vals_list:
            reason = Rule._get_unreachable_reason(
                vals["channel"],
                contacts[vals["partner_id"]],
                [contacts[contact_id] for contact_id in vals["contact_ids"]],
            )
            if reason:
                vals.update(state="failed", error_message=reason)
                continue
            vals.update(
                state=self._get_validated_state(vals["channel"], vals.get("send_mode")),
                validated_date=now,
                validated_by_id=self.env.uid,
            )
            if vals["channel"] == "call":
                calls.append(vals)
        activities = self.env["mail.activity"]._dunning_create_calls(
            [
                self._prepare_call_activity_vals(
                    contacts[vals["partner_id"]],
                    Level.browse(vals["level_id"]),
                    vals["date"],
                    vals["user_id"],
                    self._format_summary_html(
                        formats, vals["amount_due"], currency, vals["line_ids"]
                    ),
                )
                for vals in calls
            ]
        )
        for vals, activity_id in zip(calls, activities.ids, strict=True):
            vals["activity_id"] = activity_id
        return vals_list

    @api.model
    def _get_sms_contact(self, action):
        """The first recipient of the reminder with a mobile number."""
        return next(
            (c for c in action.contact_ids if c.phone_sanitized or c.mobile),
            self.env["res.partner"],
        )

    @api.model
    def _get_summary_html(self, action, formats=None):
        """Invoices of the reminder as an HTML table (call notes)."""
        return self._format_summary_html(
            formats or DunningFormats(self.env),
            action.amount_due,
            action.currency_id,
            [
                {
                    "move_name": line.move_id.name,
                    "date_due": line.date_due,
                    "amount_residual": line.amount_residual,
                    "currency_id": line.currency_id.id,
                }
                for line in action.line_ids
            ],
        )

    # ------------------------------------------------------------
    # CHATTER NOTES
    # ------------------------------------------------------------

    @api.model
    def _log_in_chatter(self, actions):
        """One note per customer and per invoice, no notification, written with
        one INSERT. The bodies are built here from escaped values, so the
        HTML sanitizer of mail.message (most of the cost of tens of thousands
        of notes through the ORM) would have nothing to clean."""
        if not actions:
            return
        formats = DunningFormats(self.env)
        # every reminder with its invoices' names in one query, as plain values
        actions.flush_recordset(
            ["partner_id", "level_id", "channel", "state", "amount_due", "company_id"]
        )
        self.env["account.dunning.action.line"].flush_model(["action_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.id, a.partner_id, a.level_id, a.channel, a.state,
                       a.amount_due, a.company_id, l.move_id, m.name
                  FROM account_dunning_action a
             LEFT JOIN account_dunning_action_line l ON l.action_id = a.id
             LEFT JOIN account_move m ON m.id = l.move_id
                 WHERE a.id = ANY(%s)
              ORDER BY a.id, l.date_due, l.id
                """,
                actions.ids,
            )
        )
        reminders = {}
        for row in self.env.cr.fetchall():
            reminder = reminders.setdefault(row[0], [row[1:7], []])
            if row[7]:
                reminder[1].append((row[7], row[8]))
        partner_bodies = {}
        move_bodies = {}
        for (
            partner_id,
            level_id,
            channel,
            state,
            amount,
            company_id,
        ), moves in reminders.values():
            body = self._format_log_body(
                formats,
                level_id,
                channel,
                state,
                [name for _move_id, name in moves],
                amount,
                company_id,
            )
            partner_bodies.setdefault(partner_id, []).append(body)
            for move_id, _name in moves:
                move_bodies.setdefault(move_id, []).append(body)
        models_, res_ids, bodies = [], [], []
        for model, by_record in (
            ("res.partner", partner_bodies),
            ("account.move", move_bodies),
        ):
            for res_id, parts in by_record.items():
                models_.append(model)
                res_ids.append(res_id)
                bodies.append("".join(parts))
        if not bodies:
            return
        self._insert_notes(models_, res_ids, bodies)

    @api.model
    def _insert_notes(self, models_, res_ids, bodies):
        """Write the notes `bodies` (built from escaped values) on the records
        (`models_`, `res_ids`) in one INSERT, with the columns
        `_message_log_batch` writes: through the ORM, sanitizing tens of
        thousands of bodies was a fifth of a night (README, Figures). The
        author, the reply-to and the message id are Odoo's own, computed once
        for the batch as `_message_log_batch` does."""
        if not bodies:
            return
        Thread = self.env["mail.thread"]
        author_id, email_from = Thread._message_compute_author(raise_on_email=False)
        now = fields.Datetime.now()
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (
                    model, res_id, body, message_type, subtype_id, is_internal,
                    author_id, email_from, reply_to, message_id,
                    email_add_signature, reply_to_force_new, date,
                    create_uid, create_date, write_uid, write_date)
                SELECT v.model, v.res_id, v.body, 'notification', %(subtype)s, TRUE,
                       %(author)s, %(email)s, %(reply_to)s, %(message_id)s,
                       FALSE, FALSE, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(models)s::varchar[], %(res_ids)s::int[],
                              %(bodies)s::text[]) AS v(model, res_id, body)
                """,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email=email_from or None,
                reply_to=Thread._notify_get_reply_to(default=email_from)[False] or None,
                message_id=generate_tracking_message_id("message-notify"),
                now=now,
                uid=self.env.uid,
                models=array_literal(models_),
                res_ids=array_literal(res_ids, "int4"),
                bodies=array_literal(bodies),
            )
        )
        self.env["mail.message"].invalidate_model()
        for model in set(models_):
            self.env[model].invalidate_model(["message_ids"])

    @api.model
    def _format_log_body(
        self, formats, level_id, channel, state, move_names, amount, company_id
    ):
        """The chatter note of a reminder, from plain values (escaped here)."""
        Action = self.env["account.dunning.action"]
        pattern = formats.text(
            "log",
            lambda: self.env._(
                "Reminder “%(level)s” by %(channel)s (%(state)s): %(invoices)s, "
                "%(amount)s"
            ),
        )
        return Markup("<p>%s</p>") % (
            pattern
            % {
                "level": formats.record_name("account.dunning.level", level_id),
                "channel": formats.label(Action, "channel", channel).lower(),
                "state": formats.label(Action, "state", state).lower(),
                "invoices": ", ".join(move_names),
                "amount": formats.amount(amount, formats.company_currency(company_id)),
            }
        )

    @api.model
    def _format_summary_html(self, formats, amount_due, currency, lines):
        """The summary table from plain values: `lines` are dicts with
        `move_name`, `date_due`, `amount_residual` and `currency_id`."""
        currencies = self.env["res.currency"]
        # escaped value by value: Markup's % costs more than the rest of a call
        # note, and a night writes thousands of them
        rows = Markup(
            "".join(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                    escape(line["move_name"]),
                    escape(formats.date(line["date_due"])),
                    escape(
                        formats.amount(
                            line["amount_residual"],
                            currencies.browse(line["currency_id"]),
                        )
                    ),
                )
                for line in lines
            )
        )
        header = formats.text(
            "summary_header",
            lambda: Markup("<tr><th>%s</th><th>%s</th><th>%s</th></tr>")
            % (self.env._("Invoice"), self.env._("Due date"), self.env._("Amount due")),
        )
        amount = formats.text(
            "summary_amount", lambda: self.env._("Amount due: %(amount)s")
        )
        return Markup("<p>%s</p><table class='table table-sm'>%s%s</table>") % (
            amount % {"amount": formats.amount(amount_due, currency)},
            header,
            rows,
        )
