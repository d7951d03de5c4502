#![allow(clippy::print_stdout, clippy::unwrap_used)]
use sqlx::Row;
use std::time::Instant;
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let store = minside_store_sqlite::SqliteStore::connect("sqlite:///tmp/nbench/b.db")
        .await
        .unwrap();
    let pool = store.pool();
    let t = Instant::now();
    let rows = sqlx::query("SELECT id, kommunenummer, name, given_name, birth_date, street, postcode, city, lon, lat, moved_in, status FROM residents WHERE kommunenummer = '3203' AND status = 'active' ORDER BY id").fetch_all(pool).await.unwrap();
    println!("fetch_all {} rows: {:?}", rows.len(), t.elapsed());
    let t = Instant::now();
    let mut n = 0usize;
    for r in &rows {
        let id: uuid::Uuid = r.try_get("id").unwrap();
        let s: Option<String> = r.try_get("birth_date").unwrap();
        let p: Option<String> = r.try_get("postcode").unwrap();
        n += s.map_or(0, |s| s.len()) + p.map_or(0, |p| p.len()) + id.as_bytes()[0] as usize;
    }
    println!("decode: {:?} {n}", t.elapsed());
    let t = Instant::now();
    let mut after = uuid::Uuid::nil();
    let mut total = 0;
    loop {
        let rows = sqlx::query("SELECT id, kommunenummer, name, given_name, birth_date, street, postcode, city, lon, lat, moved_in, status FROM residents WHERE kommunenummer = '3203' AND status = 'active' AND id > ?1 ORDER BY id LIMIT 2000").bind(after).fetch_all(pool).await.unwrap();
        if rows.is_empty() {
            break;
        }
        total += rows.len();
        after = rows.last().unwrap().try_get("id").unwrap();
    }
    println!("paged raw {total}: {:?}", t.elapsed());
}
