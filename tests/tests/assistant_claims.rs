#![allow(clippy::unwrap_used)]
use chrono::Utc;
use tingshuo_core::assistant::{Assistant, AssistantOptions, Event, Turn};
use tingshuo_sandbox::seed::DemoCustomer;
use tingshuo_sandbox::{BankConfig, start_demo_bank};
use tingshuo_tests::registered_client;

#[tokio::test]
async fn probe() {
    let t0 = std::time::Instant::now();
    let bank = start_demo_bank(BankConfig::default(), Utc::now())
        .await
        .unwrap();
    eprintln!("bank {:?}", t0.elapsed());
    for customer in [DemoCustomer::WangXiuying, DemoCustomer::MargaretWilson] {
        let t = std::time::Instant::now();
        let (client, _dir) = registered_client(&bank.url(), customer).await;
        eprintln!("client {:?}", t.elapsed());
        let mut a = Assistant::open(
            client,
            customer.locale(),
            AssistantOptions::at(customer.home_offset()),
        )
        .await
        .unwrap();
        let texts: Vec<String> =
            std::fs::read_to_string(format!("/tmp/probe/{}.txt", customer.id()))
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
        for text in texts {
            let t = std::time::Instant::now();
            let turn = match text.as_str() {
                "<silence>" => Turn::Silence,
                "<up>" => Turn::StepUp { approved: true },
                "<down>" => Turn::StepUp { approved: false },
                _ => Turn::Text(text.clone()),
            };
            let events = a.turn(turn).await.unwrap();
            let out: Vec<String> = events
                .iter()
                .map(|e| match e {
                    Event::Say(s) => format!("{} [{}]", s.id, s.display),
                    other => format!("{other:?}").chars().take(40).collect(),
                })
                .collect();
            eprintln!("{:>4}ms {text:?} -> {out:?}", t.elapsed().as_millis());
        }
    }
}
