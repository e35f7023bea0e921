//! Team and website storage against real databases.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use roster_db::Store;
use roster_domain::ports::{TeamRepository, UserRepository, WebsiteRepository, WebsiteScope};
use roster_domain::{
    Conflict, Error, Owner, PageRequest, Role, Team, TeamId, TeamMember, TeamOrder, TeamRole, User,
    UserId, UserKey, Username, Website, WebsiteId, WebsiteOrder, WebsitePatch,
};
use uuid::Uuid;

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    teams_are_created_with_their_owner_and_found_by_id_and_code,
    memberships_are_added_changed_and_removed,
    teams_of_a_user_are_paged_searched_and_sorted,
    deleting_a_team_removes_members_and_soft_deletes_its_websites,
    websites_are_listed_per_user_and_team_with_search_and_order,
    website_updates_and_soft_deletes_hide_them,
    deleting_a_user_removes_memberships_and_soft_deletes_their_websites,
    bulk_inserts_store_users_grants_teams_and_members,
    a_deleted_websites_share_id_is_free_again,
    live_websites_are_counted_per_owner,
    websites_move_only_from_their_owner_to_one_that_exists,
);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn user(store: &Store, name: &str) -> UserId {
    let t = now();
    let user = User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "h".into(),
        role: Role::User,
        servers: Default::default(),
        groups: Default::default(),
        created_at: t,
        updated_at: t,
    };
    store.insert(user).await.unwrap().id
}

fn member(team: TeamId, user: UserId, role: TeamRole) -> TeamMember {
    TeamMember {
        id: Uuid::new_v4(),
        team_id: team,
        user_id: user,
        role,
        created_at: now(),
        updated_at: now(),
    }
}

async fn team(store: &Store, name: &str, owner: UserId) -> Team {
    let t = now();
    let team = Team {
        id: TeamId::new(),
        name: name.into(),
        access_code: format!("team_{}", Uuid::new_v4().simple()),
        logo_url: None,
        created_at: t,
        updated_at: t,
    };
    let owner = member(team.id, owner, TeamRole::Owner);
    TeamRepository::create(store, team, owner).await.unwrap()
}

async fn site(store: &Store, name: &str, domain: &str, owner: Owner, by: UserId) -> Website {
    let t = now();
    let site = Website {
        id: WebsiteId::new(),
        name: name.into(),
        domain: domain.into(),
        share_id: None,
        reset_at: None,
        owner,
        created_by: by,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    WebsiteRepository::create(store, site).await.unwrap()
}

fn teams_page(search: Option<&str>, order: TeamOrder, desc: bool) -> PageRequest<TeamOrder> {
    PageRequest::new(None, None, search.map(Into::into), order, desc).unwrap()
}

fn sites_page(search: Option<&str>, order: WebsiteOrder) -> PageRequest<WebsiteOrder> {
    PageRequest::new(None, None, search.map(Into::into), order, false).unwrap()
}

async fn teams_are_created_with_their_owner_and_found_by_id_and_code(store: Store) {
    let owner = user(&store, "owner").await;
    let created = team(&store, "Blue", owner).await;
    let details = TeamRepository::find(&store, created.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(details.team, created);
    assert_eq!(details.members.len(), 1);
    assert_eq!(details.members[0].member.role, TeamRole::Owner);
    assert_eq!(details.members[0].username.as_str(), "owner");
    assert_eq!(details.website_count, 0);
    let by_code = store
        .find_by_access_code(&created.access_code)
        .await
        .unwrap();
    assert_eq!(by_code, Some(created.clone()));
    assert_eq!(store.find_by_access_code("team_nope").await.unwrap(), None);

    let renamed = Team {
        name: "Navy".into(),
        logo_url: Some("https://x/l.png".into()),
        ..created
    };
    TeamRepository::update(&store, &renamed).await.unwrap();
    let details = TeamRepository::find(&store, renamed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(details.team, renamed);
    let other = team(&store, "Red", owner).await;
    let copycat = Team {
        access_code: renamed.access_code.clone(),
        ..other
    };
    assert_eq!(
        TeamRepository::update(&store, &copycat).await,
        Err(Error::Conflict(Conflict::AccessCodeTaken))
    );
    let ghost = Team {
        id: TeamId::new(),
        ..renamed
    };
    assert!(matches!(
        TeamRepository::update(&store, &ghost).await,
        Err(Error::NotFound(_))
    ));
}

async fn memberships_are_added_changed_and_removed(store: Store) {
    let owner = user(&store, "owner").await;
    let joiner = user(&store, "joiner").await;
    let t = team(&store, "Blue", owner).await;
    store
        .add_member(member(t.id, joiner, TeamRole::Member))
        .await
        .unwrap();
    let again = store
        .add_member(member(t.id, joiner, TeamRole::ViewOnly))
        .await;
    assert_eq!(again, Err(Error::Conflict(Conflict::AlreadyMember)));
    let ghost = store
        .add_member(member(t.id, UserId::new(), TeamRole::Member))
        .await;
    assert!(matches!(ghost, Err(Error::NotFound(_))), "{ghost:?}");

    let changed = store
        .set_member_role(t.id, joiner, TeamRole::Manager, now())
        .await
        .unwrap();
    assert_eq!(changed.role, TeamRole::Manager);
    assert_eq!(
        store.membership(t.id, joiner).await.unwrap().unwrap().role,
        TeamRole::Manager
    );

    let page = store
        .members(t.id, &teams_page(Some("JOIN"), TeamOrder::Name, false))
        .await
        .unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(page.items[0].username.as_str(), "joiner");
    let all = store
        .members(t.id, &teams_page(None, TeamOrder::Name, true))
        .await
        .unwrap();
    let names: Vec<_> = all.items.iter().map(|m| m.username.as_str()).collect();
    assert_eq!(names, ["owner", "joiner"]);

    store.remove_member(t.id, joiner).await.unwrap();
    assert_eq!(store.membership(t.id, joiner).await.unwrap(), None);
    assert!(matches!(
        store.remove_member(t.id, joiner).await,
        Err(Error::NotFound(_))
    ));
    let missing = store
        .set_member_role(t.id, joiner, TeamRole::Member, now())
        .await;
    assert!(matches!(missing, Err(Error::NotFound(_))));
}

async fn teams_of_a_user_are_paged_searched_and_sorted(store: Store) {
    let me = user(&store, "me").await;
    let other = user(&store, "other").await;
    for name in ["alpha", "Bravo", "charlie_1", "delta%"] {
        team(&store, name, me).await;
    }
    team(&store, "not mine", other).await;
    let page = store
        .teams_of(me, &teams_page(None, TeamOrder::Name, false))
        .await
        .unwrap();
    assert_eq!(page.count, 4);
    let names: Vec<_> = page.items.iter().map(|d| d.team.name.as_str()).collect();
    assert_eq!(names.len(), 4);
    let first_page = PageRequest::new(Some(2), Some(3), None, TeamOrder::CreatedAt, true).unwrap();
    let second = store.teams_of(me, &first_page).await.unwrap();
    assert_eq!(
        (
            second.count,
            second.items.len(),
            second.page,
            second.page_size
        ),
        (4, 1, 2, 3)
    );
    assert_eq!(
        second.items[0].team.name, "alpha",
        "oldest last when descending"
    );
    let bravo = store
        .teams_of(me, &teams_page(Some("bRaV"), TeamOrder::Name, false))
        .await
        .unwrap();
    assert_eq!(
        bravo
            .items
            .iter()
            .map(|d| d.team.name.as_str())
            .collect::<Vec<_>>(),
        ["Bravo"]
    );
    // Wildcards in the search are literal.
    let underscore = store
        .teams_of(me, &teams_page(Some("_"), TeamOrder::Name, false))
        .await
        .unwrap();
    assert_eq!(underscore.count, 1);
    let percent = store
        .teams_of(me, &teams_page(Some("%"), TeamOrder::Name, false))
        .await
        .unwrap();
    assert_eq!(percent.items[0].team.name, "delta%");
    // So is a backslash, which MySQL and PostgreSQL would otherwise take as an escape.
    let third = user(&store, "third").await;
    for name in ["echo\\x", "echox", "echo!x"] {
        team(&store, name, third).await;
    }
    for (search, found) in [("\\x", "echo\\x"), ("o\\", "echo\\x"), ("!", "echo!x")] {
        let page = store
            .teams_of(third, &teams_page(Some(search), TeamOrder::Name, false))
            .await
            .unwrap();
        let names: Vec<_> = page.items.iter().map(|d| d.team.name.as_str()).collect();
        assert_eq!(names, [found], "search {search:?}");
    }
}

async fn deleting_a_team_removes_members_and_soft_deletes_its_websites(store: Store) {
    let owner = user(&store, "owner").await;
    let t = team(&store, "Blue", owner).await;
    let s = site(&store, "Blog", "blog.example", Owner::Team(t.id), owner).await;
    assert_eq!(
        TeamRepository::find(&store, t.id)
            .await
            .unwrap()
            .unwrap()
            .website_count,
        1
    );
    TeamRepository::delete(&store, t.id, now()).await.unwrap();
    assert_eq!(TeamRepository::find(&store, t.id).await.unwrap(), None);
    assert_eq!(store.membership(t.id, owner).await.unwrap(), None);
    assert_eq!(WebsiteRepository::find(&store, s.id).await.unwrap(), None);
    let again = TeamRepository::delete(&store, t.id, now()).await;
    assert!(matches!(again, Err(Error::NotFound(_))));
}

async fn websites_are_listed_per_user_and_team_with_search_and_order(store: Store) {
    let me = user(&store, "me").await;
    let other = user(&store, "other").await;
    let t = team(&store, "Blue", other).await;
    store
        .add_member(member(t.id, me, TeamRole::Member))
        .await
        .unwrap();
    site(&store, "Zeta", "a.example", Owner::User(me), me).await;
    site(&store, "Alpha", "z.example", Owner::User(me), me).await;
    site(
        &store,
        "Team site",
        "team.example",
        Owner::Team(t.id),
        other,
    )
    .await;
    site(
        &store,
        "Other's",
        "other.example",
        Owner::User(other),
        other,
    )
    .await;

    let mine = |include_teams| WebsiteScope::User {
        user: me,
        include_teams,
    };
    let own = WebsiteRepository::list(&store, mine(false), &sites_page(None, WebsiteOrder::Name))
        .await
        .unwrap();
    let names: Vec<_> = own.items.iter().map(|d| d.website.name.as_str()).collect();
    assert_eq!((own.count, names), (2, vec!["Alpha", "Zeta"]));
    assert_eq!(own.items[0].owner_name.as_ref().unwrap().as_str(), "me");
    let by_domain =
        WebsiteRepository::list(&store, mine(false), &sites_page(None, WebsiteOrder::Domain))
            .await
            .unwrap();
    assert_eq!(by_domain.items[0].website.name, "Zeta");
    let with_teams =
        WebsiteRepository::list(&store, mine(true), &sites_page(None, WebsiteOrder::Name))
            .await
            .unwrap();
    assert_eq!(with_teams.count, 3);
    let team_only = WebsiteRepository::list(
        &store,
        WebsiteScope::Team(t.id),
        &sites_page(None, WebsiteOrder::Name),
    )
    .await
    .unwrap();
    assert_eq!(team_only.count, 1);
    assert_eq!(team_only.items[0].owner_name, None);
    let searched = WebsiteRepository::list(
        &store,
        mine(true),
        &sites_page(Some("TEAM.EX"), WebsiteOrder::Name),
    )
    .await
    .unwrap();
    assert_eq!(
        searched
            .items
            .iter()
            .map(|d| d.website.name.as_str())
            .collect::<Vec<_>>(),
        ["Team site"]
    );
    let by_name = WebsiteRepository::list(
        &store,
        mine(false),
        &sites_page(Some("alp"), WebsiteOrder::Name),
    )
    .await
    .unwrap();
    assert_eq!(by_name.count, 1);
}

async fn website_updates_and_soft_deletes_hide_them(store: Store) {
    let me = user(&store, "me").await;
    let s = site(&store, "Blog", "blog.example", Owner::User(me), me).await;
    let later = now() + Duration::seconds(1);
    let patch = WebsitePatch {
        name: Some("Journal".into()),
        share_id: Some(Some("share-1".into())),
        ..WebsitePatch::default()
    };
    WebsiteRepository::update(&store, s.id, &patch, later)
        .await
        .unwrap();
    let changed = Website {
        name: "Journal".into(),
        share_id: Some("share-1".into()),
        updated_at: later,
        ..s.clone()
    };
    let found = || async {
        WebsiteRepository::find(&store, s.id)
            .await
            .unwrap()
            .unwrap()
            .website
    };
    assert_eq!(found().await, changed);
    // Only the columns named are written.
    let reset = WebsitePatch {
        reset_at: Some(later),
        ..WebsitePatch::default()
    };
    WebsiteRepository::update(&store, s.id, &reset, later)
        .await
        .unwrap();
    assert_eq!(
        found().await,
        Website {
            reset_at: Some(later),
            ..changed.clone()
        }
    );
    let cleared = WebsitePatch {
        share_id: Some(None),
        ..WebsitePatch::default()
    };
    WebsiteRepository::update(&store, s.id, &cleared, later)
        .await
        .unwrap();
    assert_eq!(found().await.share_id, None);
    WebsiteRepository::update(&store, s.id, &patch, later)
        .await
        .unwrap();
    let twin = site(&store, "Twin", "twin.example", Owner::User(me), me).await;
    assert!(matches!(
        WebsiteRepository::update(&store, twin.id, &patch, later).await,
        Err(Error::Conflict(Conflict::ShareIdTaken))
    ));

    WebsiteRepository::delete(&store, s.id, now())
        .await
        .unwrap();
    assert_eq!(WebsiteRepository::find(&store, s.id).await.unwrap(), None);
    assert!(matches!(
        WebsiteRepository::delete(&store, s.id, now()).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        WebsiteRepository::update(&store, s.id, &patch, later).await,
        Err(Error::NotFound(_))
    ));
    let left = WebsiteRepository::list(
        &store,
        WebsiteScope::User {
            user: me,
            include_teams: false,
        },
        &sites_page(None, WebsiteOrder::Name),
    )
    .await
    .unwrap();
    assert_eq!(left.count, 1);
}

async fn deleting_a_user_removes_memberships_and_soft_deletes_their_websites(store: Store) {
    let owner = user(&store, "owner").await;
    let leaver = user(&store, "leaver").await;
    let t = team(&store, "Blue", owner).await;
    store
        .add_member(member(t.id, leaver, TeamRole::Member))
        .await
        .unwrap();
    let own = site(&store, "Mine", "mine.example", Owner::User(leaver), leaver).await;
    let team_site = site(
        &store,
        "Shared",
        "shared.example",
        Owner::Team(t.id),
        leaver,
    )
    .await;
    UserRepository::delete(&store, leaver, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        UserRepository::find(&store, &UserKey::Id(leaver))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.membership(t.id, leaver).await.unwrap(), None);
    assert_eq!(WebsiteRepository::find(&store, own.id).await.unwrap(), None);
    assert!(
        WebsiteRepository::find(&store, team_site.id)
            .await
            .unwrap()
            .is_some(),
        "the team keeps its site"
    );
}

async fn bulk_inserts_store_users_grants_teams_and_members(store: Store) {
    let users: Vec<User> = (0..2500)
        .map(|i| User {
            email: None,
            id: UserId::new(),
            username: Username::parse(&format!("bulk{i:05}")).unwrap(),
            password_hash: "h".into(),
            role: if i == 0 { Role::Admin } else { Role::User },
            servers: [format!("s{}", i % 3)].into(),
            groups: [format!("g{}", i % 2)].into(),
            created_at: now(),
            updated_at: now(),
        })
        .collect();
    store.insert_users(&users).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.total, stats.admins), (2500, 1));
    assert_eq!(stats.per_server.values().sum::<u64>(), 2500);
    assert_eq!(stats.per_group.get("g1"), Some(&1250));
    let t = Team {
        id: TeamId::new(),
        name: "Bulk".into(),
        access_code: "team_bulk".into(),
        logo_url: None,
        created_at: now(),
        updated_at: now(),
    };
    let members: Vec<_> = users[..3]
        .iter()
        .map(|u| member(t.id, u.id, TeamRole::Member))
        .collect();
    store
        .insert_teams(std::slice::from_ref(&t), &members)
        .await
        .unwrap();
    let details = TeamRepository::find(&store, t.id).await.unwrap().unwrap();
    assert_eq!(details.members.len(), 3);
    let namesake = User {
        id: UserId::new(),
        ..users[0].clone()
    };
    let again = store.insert_users(&[namesake]).await;
    assert_eq!(again, Err(Error::Conflict(Conflict::UsernameTaken)));
    let again = store.insert_teams(&[], &members[..1]).await;
    assert_eq!(again, Err(Error::Conflict(Conflict::AlreadyMember)));
}

async fn a_deleted_websites_share_id_is_free_again(store: Store) {
    let me = user(&store, "me").await;
    let first = site(&store, "A", "a.example", Owner::User(me), me).await;
    let shared = WebsitePatch {
        share_id: Some(Some("share-x".into())),
        ..WebsitePatch::default()
    };
    WebsiteRepository::update(&store, first.id, &shared, now())
        .await
        .unwrap();
    WebsiteRepository::delete(&store, first.id, now())
        .await
        .unwrap();
    let second = site(&store, "B", "b.example", Owner::User(me), me).await;
    WebsiteRepository::update(&store, second.id, &shared, now())
        .await
        .unwrap();
}

async fn live_websites_are_counted_per_owner(store: Store) {
    let (ann, bob, cy) = (
        user(&store, "ann").await,
        user(&store, "bob").await,
        user(&store, "cy").await,
    );
    site(&store, "One", "one.example", Owner::User(ann), ann).await;
    site(&store, "Two", "two.example", Owner::User(ann), ann).await;
    let gone = site(&store, "Gone", "gone.example", Owner::User(ann), ann).await;
    WebsiteRepository::delete(&store, gone.id, now())
        .await
        .unwrap();
    let blue = team(&store, "Blue", bob).await;
    site(&store, "Team", "team.example", Owner::Team(blue.id), bob).await;
    site(&store, "Cy", "cy.example", Owner::User(cy), cy).await;
    let counts = store.counts_by_owner(&[ann, bob]).await.unwrap();
    assert_eq!(
        counts,
        [(ann, 2)].into(),
        "live, own websites of those named only"
    );
    // Past the most owners named in a query, every owner is counted in one pass.
    let many: Vec<UserId> = std::iter::repeat_n(cy, 1001).collect();
    let counts = store.counts_by_owner(&many).await.unwrap();
    assert_eq!((counts.get(&ann), counts.get(&cy)), (Some(&2), Some(&1)));
}

async fn websites_move_only_from_their_owner_to_one_that_exists(store: Store) {
    let me = user(&store, "me").await;
    let blue = team(&store, "Blue", me).await;
    let s = site(&store, "Blog", "blog.example", Owner::User(me), me).await;
    let later = now() + Duration::seconds(1);
    let to_team = Owner::Team(blue.id);
    store
        .transfer(s.id, Owner::User(me), to_team, later)
        .await
        .unwrap();
    let moved = WebsiteRepository::find(&store, s.id)
        .await
        .unwrap()
        .unwrap()
        .website;
    assert_eq!((moved.owner, moved.updated_at), (to_team, later));
    // The website is no longer `me`'s: a transfer decided on that is refused.
    assert!(matches!(
        store.transfer(s.id, Owner::User(me), to_team, later).await,
        Err(Error::NotFound(_))
    ));
    let gone = Owner::User(UserId::new());
    assert!(matches!(
        store.transfer(s.id, to_team, gone, later).await,
        Err(Error::NotFound(_))
    ));
    let still = WebsiteRepository::find(&store, s.id)
        .await
        .unwrap()
        .unwrap()
        .website;
    assert_eq!(still.owner, to_team, "a refused transfer changes nothing");
    store
        .transfer(s.id, to_team, Owner::User(me), later)
        .await
        .unwrap();
}
