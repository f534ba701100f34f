from enum import StrEnum

class ListUserHistoryType(StrEnum):
    CLICK = "click"
    DISMISS = "dismiss"
    READ = "read"
    STAR = "star"
    UNSTAR = "unstar"

    def __str__(self) -> str:
        return str(self.value)
