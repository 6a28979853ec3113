//! The e-mail outbox on a Cloudflare Queue. The comune's Durable Object puts rows on the
//! queue right after the write that made them (`flush`); the same Worker consumes the
//! queue (`consume`): it claims each row from the Durable Object (which renders the
//! message), sends it, records the outcome, and retries with a growing delay. Messages
//! the queue gives up on land in the dead-letter queue, whose consumer marks them failed
//! for staff to see and resend. A cron sweep makes the daily deadline lists and puts back
//! any row whose queue message was lost.

use crate::comune::{self, non_empty_var, Faults};
use crate::mail_sender;
use crate::platform::now;
use crate::store_client;
use crate::tenant::Env;
use segnala_core::mail::provider::Outcome;
use segnala_core::store::delivery::{Claim, Recorded};
use segnala_core::store::{outbox, SqlDatabase};
use serde::{Deserialize, Serialize};
use worker::{MessageBatch, MessageExt, QueueRetryOptionsBuilder};

/// Binding of the outbox queue in wrangler.toml.
const QUEUE: &str = "OUTBOX";
/// Name of the dead-letter queue in wrangler.toml.
const DEAD_LETTER_QUEUE: &str = "segnala-outbox-failed";
/// Rows put on the queue per flush; the sweep picks up any left.
const FLUSH_LIMIT: u32 = 100;
/// First retry delay in seconds unless `MAIL_RETRY_SECONDS` says otherwise (tests do).
const DEFAULT_RETRY_SECONDS: u32 = 60;

/// The body of a queue message: which comune's store holds the row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub comune: String,
    pub id: i64,
}

/// The outcome of one attempt, as the consumer reports it to the Durable Object.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecordCall {
    pub id: i64,
    pub outcome: Outcome,
}

/// How long a row may go without news from the queue before it is put there again: the
/// store's own default, unless `OUTBOX_STALE_SECONDS` says otherwise (the fault tests do,
/// since the local runtime's queue does not survive a crash).
fn stale_after(env: &Env) -> Option<chrono::Duration> {
    non_empty_var(env, "OUTBOX_STALE_SECONDS")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|&s| s > 0)
        .map(chrono::Duration::seconds)
}

pub fn retry_base_seconds(env: &Env) -> u32 {
    non_empty_var(env, "MAIL_RETRY_SECONDS")
        .and_then(|s| s.parse().ok())
        .filter(|&s| s > 0)
        .unwrap_or(DEFAULT_RETRY_SECONDS)
}

/// Inside the Durable Object, after a write: puts the rows owed on the queue. A failure
/// leaves them for the sweep; the write itself has already been committed.
pub async fn flush(db: &impl SqlDatabase, env: &Env) {
    let owed = match stale_after(env) {
        Some(stale) => outbox::to_enqueue_after(db, now(), FLUSH_LIMIT, stale),
        None => outbox::to_enqueue(db, now(), FLUSH_LIMIT),
    };
    let owed = match owed {
        Ok(owed) if owed.is_empty() => return,
        Ok(owed) => owed,
        Err(error) => {
            worker::console_error!("outbox: {error}");
            return;
        }
    };
    let comune = env.comune().to_string();
    let mut messages: Vec<OutboxMessage> = owed
        .iter()
        .map(|row| OutboxMessage {
            comune: comune.clone(),
            id: row.id,
        })
        .collect();
    // Tests prove that a message the queue delivers twice is sent once.
    if Faults::from_env(env).duplicate_outbox {
        messages.extend(messages.clone());
    }
    let sent = match env.queue(QUEUE) {
        Ok(queue) => queue.send_batch(messages).await,
        Err(error) => Err(error),
    };
    match sent {
        Ok(()) => {
            let ids: Vec<i64> = owed.iter().map(|row| row.id).collect();
            if let Err(error) = outbox::mark_enqueued(db, &ids, now()) {
                worker::console_error!("outbox: {error}");
            }
        }
        Err(error) => worker::console_error!("outbox queue refused messages: {error}"),
    }
}

enum Next {
    Ack,
    RetryIn(u32),
}

/// The queue consumer: each message is one row to deliver (or, from the dead-letter
/// queue, one to mark failed).
pub async fn consume(
    batch: MessageBatch<OutboxMessage>,
    bindings: worker::Env,
) -> worker::Result<()> {
    let dead_letters = batch.queue() == DEAD_LETTER_QUEUE;
    for message in batch.messages()? {
        let row = message.body();
        let Some(id) = comune::by_id(&row.comune) else {
            // A comune removed from the deployment: nobody is left to deliver it for.
            worker::console_error!("outbox message for an unknown comune: {}", row.comune);
            message.ack();
            continue;
        };
        let env = Env::new(bindings.clone(), id);
        comune::refresh(&env).await;
        let next = if dead_letters {
            store_client::outbox(&env, "/outbox/dead-letter", &row.id)
                .await
                .map(|()| Next::Ack)
        } else {
            deliver(&env, row).await
        };
        match next {
            Ok(Next::Ack) => message.ack(),
            Ok(Next::RetryIn(seconds)) => message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds)
                    .build(),
            ),
            Err(error) => {
                worker::console_error!("{id}: outbox row {}: {error}", row.id);
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(retry_base_seconds(&env))
                        .build(),
                );
            }
        }
    }
    Ok(())
}

async fn deliver(env: &Env, row: &OutboxMessage) -> worker::Result<Next> {
    if Faults::from_env(env).outbox_consumer {
        return Err(worker::Error::RustError(
            "simulated consumer failure (FAULTS)".into(),
        ));
    }
    let claim: Claim = store_client::outbox(env, "/outbox/claim", &row.id).await?;
    let delivery = match claim {
        Claim::Deliver(delivery) => delivery,
        Claim::Busy { seconds } => return Ok(Next::RetryIn(seconds)),
        Claim::Done | Claim::Held => return Ok(Next::Ack),
    };
    let outcome = mail_sender::send(env, &delivery).await;
    let recorded: Recorded = store_client::outbox(
        env,
        "/outbox/record",
        &RecordCall {
            id: delivery.id,
            outcome,
        },
    )
    .await?;
    Ok(match recorded {
        Recorded::Sent | Recorded::Failed => Next::Ack,
        Recorded::RetryIn { seconds } => Next::RetryIn(seconds),
    })
}

/// The cron sweep: today's deadline lists, and rows whose queue message was lost.
pub async fn sweep(env: &Env) -> worker::Result<()> {
    store_client::outbox::<_, serde_json::Value>(env, "/outbox/sweep", &()).await?;
    Ok(())
}
