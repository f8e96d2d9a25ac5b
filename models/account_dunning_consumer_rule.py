from collections import defaultdict
from datetime import date as Date
from datetime import datetime, time, timedelta
from functools import lru_cache

import pytz
from dateutil.easter import easter

from odoo import api, models
from odoo.tools import format_date

from .account_dunning_rule import DEFAULT_TZ

# The company's settings of the week days a private person may be called on,
# Monday (0) to Saturday (5): never on Sunday (DOMAIN.md §3.4).
CALL_DAY_FIELDS = (
    "dunning_call_monday",
    "dunning_call_tuesday",
    "dunning_call_wednesday",
    "dunning_call_thursday",
    "dunning_call_friday",
    "dunning_call_saturday",
)
# Calls to a private person are capped over a rolling window of this many days.
CALL_WINDOW_DAYS = 30


@lru_cache(maxsize=64)
def french_public_holidays(year):
    """{day: key} of the eleven public holidays of mainland France in `year`
    (Code du travail L3133-1): fixed days plus Easter Monday, Ascension Day
    and Whit Monday, from the date of Easter (computed, so that no calendar
    has to be kept up to date)."""
    easter_day = easter(year)
    return {
        Date(year, 1, 1): "new_year",
        easter_day + timedelta(days=1): "easter_monday",
        Date(year, 5, 1): "labour_day",
        Date(year, 5, 8): "victory_day",
        easter_day + timedelta(days=39): "ascension",
        easter_day + timedelta(days=50): "whit_monday",
        Date(year, 7, 14): "national_day",
        Date(year, 8, 15): "assumption",
        Date(year, 11, 1): "all_saints",
        Date(year, 11, 11): "armistice",
        Date(year, 12, 25): "christmas",
    }


class AccountDunningConsumerRule(models.AbstractModel):
    """What collecting from a private person may not do (DOMAIN.md §3.4, §5),
    in one place: when it may be called and how often (T19), and when its
    payment schedule may be accelerated after a missed payment (T18).

    The *Log a call* dialog, the night's call tasks and the payment schedules
    ask here. Professionals and public buyers are never restricted.
    """

    _name = "account.dunning.consumer.rule"
    _description = "Dunning rules protecting private persons"

    # ------------------------------------------------------------
    # CALLS
    # ------------------------------------------------------------

    @api.model
    def _is_call_restricted(self, partner):
        """Whether calls to the customer follow the company's calling days,
        hours and cap of attempts: private persons only (repeated calls are
        an aggressive practice, C. consom. L121-6 and L121-7)."""
        return partner.commercial_partner_id.dunning_debtor_category == "b2c"

    @api.model
    def _is_call_day(self, company, day):
        """Whether a private person may be called on `day` at all: never on
        Sunday nor on a public holiday, else on the company's week days."""
        weekday = day.weekday()
        return (
            weekday < len(CALL_DAY_FIELDS)
            and bool(company[CALL_DAY_FIELDS[weekday]])
            and day not in french_public_holidays(day.year)
        )

    @api.model
    def _get_call_day_refusal(self, company, day):
        """Why no private person may be called on `day`, else None."""
        if self._is_call_day(company, day):
            return None
        holiday = french_public_holidays(day.year).get(day)
        if holiday:
            return self.env._(
                "No call to a private person on a public holiday (%(holiday)s, "
                "%(date)s).",
                holiday=self._get_public_holiday_names()[holiday],
                date=format_date(self.env, day),
            )
        names = self._get_weekday_names()
        allowed = [
            names[weekday]
            for weekday, field in enumerate(CALL_DAY_FIELDS)
            if company[field]
        ]
        return self.env._(
            "No call to a private person on %(day)s (calls allowed on: %(days)s).",
            day=names[day.weekday()],
            days=", ".join(allowed),
        )

    @api.model
    def _get_call_refusal(self, partner, when, company=None):
        """Why calling the customer `partner` at `when` (UTC) breaks the rules
        of calls to private persons, in a sentence naming the rule, else None:
        a day without calls, outside the calling hours, in the lunch break, or
        one attempt too many within 30 days, on the company's clock."""
        company = company or self.env.company
        if not self._is_call_restricted(partner):
            return None
        local = self._get_company_time(company, when)
        refusal = self._get_call_day_refusal(company, local.date())
        if refusal:
            return refusal
        hour = local.hour + local.minute / 60.0
        start = company.dunning_call_hour_from
        end = company.dunning_call_hour_to
        if not start <= hour < end:
            return self.env._(
                "No call to a private person at %(time)s: calls are allowed from "
                "%(start)s to %(end)s.",
                time=self._format_hour(hour),
                start=self._format_hour(start),
                end=self._format_hour(end),
            )
        lunch_start = company.dunning_call_lunch_from
        lunch_end = company.dunning_call_lunch_to
        if lunch_start <= hour < lunch_end:
            return self.env._(
                "No call to a private person at %(time)s: lunch break "
                "(%(start)s to %(end)s).",
                time=self._format_hour(hour),
                start=self._format_hour(lunch_start),
                end=self._format_hour(lunch_end),
            )
        partner = partner.commercial_partner_id
        attempts = self._read_call_attempts(company, partner, local.date())
        done = sorted(attempts.get(partner.id, ()))
        if len(done) >= company.dunning_call_max_attempts:
            return self.env._(
                "Call attempt %(count)s within 30 days: at most %(max)s to a private "
                "person (already called on %(dates)s).",
                count=len(done) + 1,
                max=company.dunning_call_max_attempts,
                dates=", ".join(format_date(self.env, day) for day in done),
            )
        return None

    @api.model
    def _read_call_attempts(self, company, partners, day):
        """{customer id: [day of each call]}: the calls logged to the
        customers `partners` in `company` (with an outcome, answered or not)
        in the 30 days ending on `day`, days on the company's clock. A call
        logged before calls had a time (`call_date`) counts on its date."""
        since = day - timedelta(days=CALL_WINDOW_DAYS - 1)
        # a day of margin for the time zone; the exact day is checked below
        margin = datetime.combine(since, time.min) - timedelta(days=1)
        calls = self.env["account.dunning.action"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partners.ids),
                ("channel", "=", "call"),
                ("result", "!=", False),
                "|",
                ("call_date", ">=", margin),
                "&",
                ("call_date", "=", False),
                ("date", ">=", since),
            ],
            ["partner_id", "call_date", "date"],
        )
        attempts = defaultdict(list)
        for call in calls:
            called = (
                self._get_company_time(company, call.call_date).date()
                if call.call_date
                else call.date
            )
            if since <= called <= day:
                attempts[call.partner_id.id].append(called)
        return attempts

    @api.model
    def _get_call_dates(self, company, partners, day):
        """{customer id: day} a call to each customer of `partners` planned
        for `day` is due: `day` for professionals and public buyers; for a
        private person the first day from `day` on that it may be called on
        and that keeps its attempts within 30 days under the company's cap."""
        dates = dict.fromkeys(partners.ids, day)
        consumers = partners.filtered(self._is_call_restricted)
        if not consumers:
            return dates
        attempts = self._read_call_attempts(
            company, consumers.commercial_partner_id, day
        )
        cap = company.dunning_call_max_attempts
        window = timedelta(days=CALL_WINDOW_DAYS)
        for partner in consumers:
            calls = attempts.get(partner.commercial_partner_id.id, ())
            candidate = day
            # the cap frees a slot within 30 days: a year is a safe bound
            for _day in range(366):
                if self._is_call_day(company, candidate) and (
                    sum(1 for called in calls if called > candidate - window) < cap
                ):
                    break
                candidate += timedelta(days=1)
            dates[partner.id] = candidate
        return dates

    @api.model
    def _get_company_time(self, company, when):
        """`when` (a UTC datetime, as Odoo stores them) on the company's
        clock: the time zone of its address, else Paris, as the company's
        day of `account.dunning.rule._get_company_today`."""
        tz = pytz.timezone(company.partner_id.tz or DEFAULT_TZ)
        return pytz.utc.localize(when).astimezone(tz).replace(tzinfo=None)

    @api.model
    def _format_hour(self, hour):
        """8.5 -> "08:30"."""
        hours, minutes = divmod(round(hour * 60), 60)
        return f"{hours:02d}:{minutes:02d}"

    @api.model
    def _get_weekday_names(self):
        return [
            self.env._("Monday"),
            self.env._("Tuesday"),
            self.env._("Wednesday"),
            self.env._("Thursday"),
            self.env._("Friday"),
            self.env._("Saturday"),
            self.env._("Sunday"),
        ]

    @api.model
    def _get_public_holiday_names(self):
        return {
            "new_year": self.env._("New Year's Day"),
            "easter_monday": self.env._("Easter Monday"),
            "labour_day": self.env._("Labour Day"),
            "victory_day": self.env._("Victory in Europe Day"),
            "ascension": self.env._("Ascension Day"),
            "whit_monday": self.env._("Whit Monday"),
            "national_day": self.env._("Bastille Day"),
            "assumption": self.env._("Assumption Day"),
            "all_saints": self.env._("All Saints' Day"),
            "armistice": self.env._("Armistice Day"),
            "christmas": self.env._("Christmas Day"),
        }

    # ------------------------------------------------------------
    # ACCELERATION OF A PAYMENT SCHEDULE
    # ------------------------------------------------------------

    @api.model
    def _get_cure_days(self, partner, company):
        """Days the customer has after the notice of a missed payment before
        its payment schedule may be accelerated: the company's cure period
        for a private person (Civ. 1re, 22/06/2017: no acceleration against a
        consumer without a prior notice), none for a professional or a public
        buyer (the acceleration clause applies at once)."""
        if partner.commercial_partner_id.dunning_debtor_category != "b2c":
            return 0
        return company.dunning_cure_days

    @api.model
    def _get_acceleration_date(self, partner, company, notice_date):
        """The first day the schedule of `partner` may be accelerated after a
        notice of default sent on `notice_date` (that very day for a
        professional)."""
        return notice_date + timedelta(days=self._get_cure_days(partner, company))
