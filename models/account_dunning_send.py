import logging

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.tools import SQL, email_normalize
from odoo.tools.mail import generate_tracking_message_id

from ..lib.formats import DunningFormats
from ..lib.sql import array_literal, insert_columns, update_column, update_records
from .account_dunning_action import ACTIVE_STATES, DUNNING_STATE_FIELDS

_logger = logging.getLogger(__name__)

# Where the outcomes of reminder emails wait for the end of the transaction's
# sending (`cr.precommit.data`).
OUTCOMES_KEY = "account_dunning.email_outcomes"
# Failure types whose reason, in Odoo's mail queue, is a placeholder.
INVALID_ADDRESS_FAILURES = ("mail_email_invalid", "mail_email_missing")


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
        reminders that break it are found and fail alone."""
        for level, level_actions in actions.grouped("level_id").items():
            if not level.mail_template_id:
                self._fail_without_template(level_actions, "email", track)
                continue
            mail_by_action, errors = self._queue_emails_isolating_failures(
                level_actions, level.mail_template_id
            )
            sent = level_actions.browse(
                [action.id for action in level_actions if action.id in mail_by_action]
            )
            update_column(sent, "mail_id", [mail_by_action[a.id].id for a in sent])
            # done once the mail server takes them (`_queue_email_outcomes`)
            sent._set_state("sending", track)
            for action in level_actions.browse(list(errors)):
                action._set_state(
                    "failed",
                    track,
                    error_message=_(
                        "The email could not be prepared: %s", errors[action.id]
                    ),
                )
            if level.attach_invoices:
                self._attach_invoice_pdfs(sent)
        # Odoo's scheduler sends the mail queue every hour: the reminders go out
        # now rather than within the hour
        self._trigger_cron("mail.ir_cron_mail_scheduler_action")

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

    @api.model
    def _attach_invoice_pdfs(self, actions):
        """Attach each invoice's PDF to its reminder email: the legal PDF Odoo
        kept when the invoice was sent, else one rendered now (one wkhtmltopdf
        call for all the invoices missing one)."""
        pdfs = self._get_invoice_pdfs(actions.move_ids)
        links = {
            (action.mail_id.mail_message_id.id, pdfs[move.id].id)
            for action in actions
            for move in action.move_ids
            if move.id in pdfs
        }
        # one INSERT for the batch (the ORM links them one email at a time)
        self.env["mail.message"].flush_model(["attachment_ids"])
        insert_columns(
            self.env.cr,
            "message_attachment_rel",
            {
                "message_id": ([link[0] for link in links], "int4"),
                "attachment_id": ([link[1] for link in links], "int4"),
            },
        )
        self.env["mail.message"].invalidate_model(["attachment_ids"])
        self.env["mail.mail"].invalidate_model(["attachment_ids"])

    @api.model
    def _get_invoice_pdfs(self, moves):
        """{invoice id: its PDF attachment}: the legal PDF Odoo kept when the
        invoice was sent, else one rendered now (one wkhtmltopdf call)."""
        missing = moves.filtered(lambda m: not m.invoice_pdf_report_id)
        rendered = {}
        if missing:
            try:
                with self.env.cr.savepoint():
                    streams, report_type = self.env[
                        "ir.actions.report"
                    ]._pre_render_qweb_pdf("account.account_invoices", missing.ids)
            except Exception:  # noqa: BLE001 - the reminder matters more than its PDF
                _logger.warning("Invoice PDFs could not be rendered", exc_info=True)
                streams, report_type = {}, "failed"
            if report_type == "pdf":
                vals_list = [
                    {
                        "name": move._get_invoice_report_filename(),
                        "raw": streams[move.id]["stream"].getvalue(),
                        "mimetype": "application/pdf",
                        "res_model": "account.move",
                        "res_id": move.id,
                    }
                    for move in missing
                    if streams.get(move.id, {}).get("stream")
                ]
                attachments = self.env["ir.attachment"].create(vals_list)
                rendered = {att.res_id: att for att in attachments}
        return {
            move.id: move.invoice_pdf_report_id or rendered[move.id]
            for move in moves
            if move.invoice_pdf_report_id or move.id in rendered
        }

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
                contact = action._get_sms_contact()
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
        # done once the SMS provider takes them (`_record_sms_outcomes`)
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
        }

    # ------------------------------------------------------------
    # DELIVERY OUTCOME
    # ------------------------------------------------------------
    # A reminder email or SMS is composed into Odoo's queue (reminder state
    # `sending`); it counts (`done`: logged in the chatter, its invoices move
    # up) once the server took it, and fails with the server's reason
    # otherwise, its invoices staying at the level they had, so the next night
    # or Retry tries again. Emails: `mail.mail._postprocess_sent_message`
    # (sent, refused, server unreachable; before Odoo deletes the mails sent
    # with auto_delete) and bounces (`_record_email_bounce`). SMS: the states
    # Odoo's SMS queue writes (`sms.sms.write`). The nightly run catches what
    # no hook saw (`_check_stale_deliveries`).

    @api.model
    def _queue_email_outcomes(self, mails, failure_reason=False, failure_type=None):
        """Note the outcome of reminder emails Odoo's mail queue just handled,
        to be applied in a few queries for all the emails of the transaction:
        at the end of `mail.mail.send()`, or with the commit Odoo's scheduler
        makes after each email (`_apply_email_outcomes`)."""
        reminders = mails.filtered(
            lambda mail: mail.model == "account.dunning.action" and mail.res_id
        )
        if not reminders:
            return
        precommit = self.env.cr.precommit
        if OUTCOMES_KEY not in precommit.data:
            precommit.add(self._apply_email_outcomes)
        outcomes = precommit.data.setdefault(OUTCOMES_KEY, {})
        for mail in reminders:
            outcomes[mail.res_id] = (
                mail.id,
                None
                if mail.state == "sent"
                else self._format_email_failure(
                    failure_type or mail.failure_type,
                    failure_reason or mail.failure_reason,
                ),
            )

    @api.model
    def _apply_email_outcomes(self):
        outcomes = self.env.cr.precommit.data.pop(OUTCOMES_KEY, None)
        if outcomes:
            self.sudo()._apply_outcomes("email", outcomes)

    @api.model
    def _record_sms_outcomes(self, sms_records):
        """The SMS queue wrote the state of `sms_records`: accepted by the
        provider ("Sent" or "Delivered"), refused ("Error") or cancelled."""
        Action = self.env["account.dunning.action"]
        Action.flush_model(["sms_id", "channel", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, sms_id FROM account_dunning_action
                 WHERE sms_id = ANY(%s) AND channel = 'sms'
                   AND state IN ('sending', 'failed')
                """,
                sms_records.ids,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        by_id = {sms.id: sms for sms in sms_records}
        outcomes = {
            action_id: (
                sms_id,
                self._format_sms_failure(
                    by_id[sms_id].state, by_id[sms_id].failure_type
                ),
            )
            for action_id, sms_id in rows
        }
        self.sudo()._apply_outcomes("sms", outcomes)

    @api.model
    def _record_email_bounce(self, actions, email):
        """The mail server of a recipient of `actions` sent their email back:
        the reminder fails once every recipient's address bounced (another
        recipient may still have read it), and the chatter says so when it was
        logged as sent."""
        email = email_normalize(email)
        if not email:
            return
        actions = actions.sudo().filtered(
            lambda a: a.channel == "email" and a.state in ("sending", "done")
        )
        for action in actions:
            bounced = set(filter(None, (action.bounced_emails or "").split(",")))
            bounced.add(email)
            recipients = {
                email_normalize(contact.email) or contact.email
                for contact in action.contact_ids
                if contact.email
            }
            if email not in recipients:
                continue  # not the reminder email (a chatter notification)
            vals = {"bounced_emails": ",".join(sorted(bounced))}
            if not recipients <= bounced:
                update_records(action, vals)
                action.message_post(
                    body=self.env._(
                        "The reminder email to %(email)s bounced: that address "
                        "refused it; the other recipients received it.",
                        email=email,
                    )
                )
                continue
            was_done = action.state == "done"
            action._set_state(
                "failed",
                error_message=self.env._(
                    "The email bounced: the mail server of %(emails)s refused it. "
                    "Correct the address, then retry.",
                    emails=", ".join(sorted(bounced)),
                ),
                **vals,
            )
            if was_done:
                self._log_in_chatter(action)

    @api.model
    def _check_stale_deliveries(self, company, worker_count=1, worker=0):
        """Reminders still `sending` although their email or SMS left Odoo's
        queue without a hook seeing it (cancelled or deleted by a user, state
        changed by hand): one query for the company (or the part of its night
        `worker` of `worker_count`), outcomes applied as the hooks would."""
        Action = self.env["account.dunning.action"]
        Action.flush_model(["state", "company_id", "partner_id", "mail_id", "sms_id"])
        self.env["mail.mail"].flush_model(["state", "failure_type", "failure_reason"])
        self.env["sms.sms"].flush_model(["state", "failure_type"])
        self.env.cr.execute(
            SQL(
                """
                SELECT a.id, a.channel, a.mail_id, m.id, m.state, m.failure_type,
                       m.failure_reason, a.sms_id, s.id, s.state, s.failure_type
                  FROM account_dunning_action a
             LEFT JOIN mail_mail m ON m.id = a.mail_id
             LEFT JOIN sms_sms s ON s.id = a.sms_id
                 WHERE a.state = 'sending' AND a.company_id = %(company)s
                   AND MOD(a.partner_id, %(count)s) = %(worker)s
                   AND CASE WHEN a.channel = 'email'
                            THEN m.state IS DISTINCT FROM 'outgoing'
                            ELSE s.state IS NULL
                                 OR s.state NOT IN ('outgoing', 'process')
                       END
                """,
                company=company.id,
                count=worker_count,
                worker=worker,
            )
        )
        outcomes = {"email": {}, "sms": {}}
        for row in self.env.cr.fetchall():
            action_id, channel, mail_id, found_mail, mail_state = row[:5]
            if channel == "email":
                if not found_mail:
                    reason = self.env._(
                        "The email was deleted from Odoo's mail queue before it "
                        "was sent."
                    )
                elif mail_state == "cancel":
                    reason = self.env._(
                        "The email was cancelled in Odoo's mail queue before it "
                        "was sent."
                    )
                elif mail_state == "sent":
                    reason = None
                else:
                    reason = self._format_email_failure(row[5], row[6])
                outcomes["email"][action_id] = (mail_id, reason)
            else:
                sms_id, found_sms, sms_state, sms_failure = row[7:]
                reason = (
                    self._format_sms_failure(sms_state, sms_failure)
                    if found_sms
                    else self.env._(
                        "The SMS was deleted from Odoo's SMS queue before it was "
                        "sent."
                    )
                )
                outcomes["sms"][action_id] = (sms_id, reason)
        for channel, channel_outcomes in outcomes.items():
            if channel_outcomes:
                self.sudo()._apply_outcomes(channel, channel_outcomes)

    @api.model
    def _apply_outcomes(self, channel, outcomes):
        """Apply `outcomes` ({reminder id: (mail or SMS id, failure reason or
        None when the server took it)}) in a few queries, whatever their
        number: reminders `sending` through that email or SMS become done or
        failed, and their lines follow. A reminder that failed, whose very
        email or SMS was sent again by hand from Odoo's queue and taken, is
        done too, unless another reminder covers its invoices since. Returns
        the reminders done."""
        Action = self.env["account.dunning.action"]
        Line = self.env["account.dunning.action.line"]
        column = SQL.identifier("a", "mail_id" if channel == "email" else "sms_id")
        Action.flush_model()
        Line.flush_model(["action_id", "move_id", "level_id", "channel", "state"])
        ids = list(outcomes)
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_action a
                   SET state = CASE WHEN v.reason IS NULL THEN 'done'
                                    ELSE 'failed' END,
                       error_message = v.reason,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM unnest(%(ids)s::int4[], %(records)s::int4[],
                              %(reasons)s::text[]) AS v(id, record_id, reason)
                 WHERE a.id = v.id AND a.channel = %(channel)s
                   AND (
                        a.state = 'sending'
                        AND (%(column)s = v.record_id OR %(column)s IS NULL)
                     OR a.state = 'failed' AND v.reason IS NULL
                        AND %(column)s = v.record_id
                        AND NOT EXISTS (
                            SELECT 1
                              FROM account_dunning_action_line l
                              JOIN account_dunning_action_line o
                                ON o.move_id = l.move_id
                               AND o.level_id = l.level_id
                               AND o.channel = l.channel
                               AND o.action_id != l.action_id
                               AND o.state IN %(active)s
                             WHERE l.action_id = a.id)
                   )
             RETURNING a.id, a.state
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=array_literal(ids, "int4"),
                records=array_literal([outcomes[i][0] for i in ids], "int4"),
                reasons=array_literal([outcomes[i][1] for i in ids]),
                channel=channel,
                column=column,
                active=ACTIVE_STATES,
            )
        )
        changed = self.env.cr.fetchall()
        if not changed:
            return Action
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_dunning_action_line l SET state = a.state
                  FROM account_dunning_action a
                 WHERE a.id = l.action_id AND a.id = ANY(%s) AND l.state != a.state
                """,
                [row[0] for row in changed],
            )
        )
        Action.invalidate_model(["state", "error_message", "write_uid", "write_date"])
        Line.invalidate_model(["state"])
        self.env["account.move"].invalidate_model(list(DUNNING_STATE_FIELDS))
        done = Action.browse([row[0] for row in changed if row[1] == "done"])
        self._log_in_chatter(done)
        # called from a precommit hook: what it wrote must reach the database
        self.env.flush_all()
        return done

    @api.model
    def _format_email_failure(self, failure_type, failure_reason):
        """Why an email failed, from the failure type and reason Odoo's mail
        queue recorded (the server's own answer when there is one)."""
        labels = dict(
            self.env["mail.mail"]
            ._fields["failure_type"]
            ._description_selection(self.env)
        )
        parts = []
        if failure_type in labels and (failure_type != "unknown" or not failure_reason):
            parts.append(labels[failure_type])
        # for invalid or missing addresses, Odoo's reason is a placeholder
        if failure_reason and failure_type not in INVALID_ADDRESS_FAILURES:
            parts.append(failure_reason.strip())
        return self.env._(
            "The email could not be sent: %(reason)s",
            reason=": ".join(parts) or labels["unknown"],
        )

    @api.model
    def _format_sms_failure(self, state, failure_type):
        """Why an SMS failed (None: the provider took it), from its state and
        failure type in Odoo's SMS queue."""
        if state in ("pending", "sent"):
            return None
        if state == "canceled":
            return self.env._("The SMS was cancelled before it was sent.")
        labels = dict(
            self.env["sms.sms"]._fields["failure_type"]._description_selection(self.env)
        )
        return self.env._(
            "The SMS could not be sent: %(reason)s",
            reason=labels.get(failure_type) or labels["unknown"],
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
