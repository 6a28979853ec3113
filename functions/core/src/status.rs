//! Ticket states and the actions that move between them. The table in [`Status::after`]
//! is the whole state machine: every change of a ticket goes through it, and every
//! accepted action becomes an event in the ticket's append-only history.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Filed and routed; nobody has looked at it yet (ricevuta).
    Received,
    /// An office has acknowledged it (presa in carico).
    TakenInCharge,
    /// Work is under way (in lavorazione).
    InProgress,
    /// The office says the problem is solved (risolta).
    Resolved,
    /// Closed without action, with a reason (respinta).
    Rejected,
    /// Merged into another ticket about the same problem (duplicata).
    Duplicate,
}

/// What staff (or the system) can do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    TakeInCharge,
    StartWork,
    /// Hand the ticket to another office, which receives it afresh.
    Reassign,
    Resolve,
    Reject,
    MarkDuplicate,
    Reopen,
    /// Actions that leave the status as it is: priority, assignee, replies, notes.
    SetPriority,
    Assign,
    PublicReply,
    InternalNote,
    /// The citizen adds information, a photo or an answer to the office while it works.
    CitizenMessage,
    /// The citizen rates the answer once the ticket is closed.
    Rate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a ticket that is {from:?}")]
pub struct TransitionRefused {
    pub from: Status,
    pub action: Action,
}

/// Open311 GeoReport v2 knows only two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicState {
    Open,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Self::Received,
        Self::TakenInCharge,
        Self::InProgress,
        Self::Resolved,
        Self::Rejected,
        Self::Duplicate,
    ];

    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Received | Self::TakenInCharge | Self::InProgress
        )
    }

    pub fn public_state(self) -> PublicState {
        if self.is_open() {
            PublicState::Open
        } else {
            PublicState::Closed
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::TakenInCharge => "taken_in_charge",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self, language: crate::report::Language) -> &'static str {
        match language {
            crate::report::Language::It => self.label_it(),
            crate::report::Language::En => self.label_en(),
        }
    }

    /// Italian label for citizens and staff.
    pub fn label_it(self) -> &'static str {
        match self {
            Self::Received => "Ricevuta",
            Self::TakenInCharge => "Presa in carico",
            Self::InProgress => "In lavorazione",
            Self::Resolved => "Risolta",
            Self::Rejected => "Respinta",
            Self::Duplicate => "Duplicata",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Received => "Received",
            Self::TakenInCharge => "Taken in charge",
            Self::InProgress => "In progress",
            Self::Resolved => "Resolved",
            Self::Rejected => "Rejected",
            Self::Duplicate => "Duplicate",
        }
    }

    /// The status after `action`, or why the action is not allowed now.
    pub fn after(self, action: Action) -> Result<Status, TransitionRefused> {
        use Action::*;
        use Status::*;
        let next = match (self, action) {
            (Received, TakeInCharge) => Some(TakenInCharge),
            (Received | TakenInCharge, StartWork) => Some(InProgress),
            (Received | TakenInCharge | InProgress, Reassign) => Some(Received),
            (Received | TakenInCharge | InProgress, Resolve) => Some(Resolved),
            (Received | TakenInCharge | InProgress, Reject) => Some(Rejected),
            (Received | TakenInCharge | InProgress, MarkDuplicate) => Some(Duplicate),
            (Resolved | Rejected | Duplicate, Reopen) => Some(TakenInCharge),
            (Received | TakenInCharge | InProgress, SetPriority | Assign | PublicReply) => {
                Some(self)
            }
            // Notes are the audit trail's margin: allowed whatever the state.
            (_, InternalNote) => Some(self),
            (Received | TakenInCharge | InProgress, CitizenMessage) => Some(self),
            (Resolved | Rejected, Rate) => Some(self),
            _ => None,
        };
        next.ok_or(TransitionRefused { from: self, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Status::*;

    #[test]
    fn the_normal_path_goes_from_received_to_resolved() {
        let status = Received.after(TakeInCharge).unwrap();
        assert_eq!(status, TakenInCharge);
        let status = status.after(StartWork).unwrap();
        assert_eq!(status, InProgress);
        assert_eq!(status.after(Resolve).unwrap(), Resolved);
    }

    #[test]
    fn a_closed_ticket_can_only_be_reopened_or_annotated() {
        for closed in [Resolved, Rejected, Duplicate] {
            for action in [
                TakeInCharge,
                StartWork,
                Reassign,
                Resolve,
                Reject,
                MarkDuplicate,
                SetPriority,
                Assign,
                PublicReply,
            ] {
                assert_eq!(
                    closed.after(action),
                    Err(TransitionRefused {
                        from: closed,
                        action
                    }),
                    "{closed:?} {action:?}"
                );
            }
            assert_eq!(closed.after(Reopen).unwrap(), TakenInCharge);
            assert_eq!(closed.after(InternalNote).unwrap(), closed);
        }
    }

    #[test]
    fn a_citizen_writes_while_the_ticket_is_open_and_rates_it_once_it_is_answered() {
        for open in [Received, TakenInCharge, InProgress] {
            assert_eq!(open.after(CitizenMessage).unwrap(), open);
            assert!(open.after(Rate).is_err(), "{open:?}: nothing to rate yet");
        }
        for closed in [Resolved, Rejected] {
            assert!(
                closed.after(CitizenMessage).is_err(),
                "{closed:?}: say it is not solved instead"
            );
            assert_eq!(closed.after(Rate).unwrap(), closed);
        }
        assert!(
            Duplicate.after(Rate).is_err(),
            "a duplicate is answered in its original"
        );
    }

    #[test]
    fn an_open_ticket_cannot_be_reopened() {
        for open in [Received, TakenInCharge, InProgress] {
            assert!(open.after(Reopen).is_err());
        }
    }

    #[test]
    fn reassigning_puts_the_ticket_back_in_the_new_office_inbox() {
        assert_eq!(InProgress.after(Reassign).unwrap(), Received);
    }

    #[test]
    fn taking_in_charge_twice_is_refused() {
        assert!(TakenInCharge.after(TakeInCharge).is_err());
        assert!(InProgress.after(TakeInCharge).is_err());
    }

    #[test]
    fn only_received_taken_and_in_progress_are_open_for_open311() {
        let open: Vec<_> = Status::ALL
            .into_iter()
            .filter(|s| s.public_state() == PublicState::Open)
            .collect();
        assert_eq!(open, vec![Received, TakenInCharge, InProgress]);
    }

    #[test]
    fn status_names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
