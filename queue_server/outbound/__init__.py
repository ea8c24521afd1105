"""Outbound delivery: one durable outbox for everything the hall sends out — webhooks to the hall's other systems,
SMS through a gateway (到号提醒, the review link, appointment codes), the provincial 好差评 platform, and the hall's
records to the city server. Messages are stored in the same transaction as the records they report on and sent
afterwards by a delivery worker, with retries, backoff and a dead-letter list the admin pages show."""
