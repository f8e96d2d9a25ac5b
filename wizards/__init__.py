from . import account_dunning_selection_mixin
from . import account_dunning_wizard
from . import account_dunning_wizard_line
from . import account_dunning_wizard_move
from . import account_dunning_schedule_wizard
from . import account_dunning_schedule_wizard_line
from . import account_dunning_followup_export
from . import account_dunning_call_wizard
