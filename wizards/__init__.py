from . import account_dunning_wizard
from . import account_dunning_schedule_wizard
from . import account_dunning_followup_export
from . import account_dunning_call_wizard
