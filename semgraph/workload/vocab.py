"""Small word lists the generators draw from (realistic-looking, not real people)."""

FIRST_NAMES = (
    "Ada", "Alan", "Alice", "Amir", "Ana", "Arjun", "Beatriz", "Ben", "Carla", "Chen", "Chloe", "Dario",
    "David", "Elena", "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "Jonas",
    "Kai", "Laura", "Leo", "Lina", "Marta", "Mei", "Nadia", "Noah", "Olga", "Omar", "Paula", "Priya",
    "Rafael", "Rosa", "Sami", "Sara", "Tariq", "Tomas", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abe", "Alvarez", "Bauer", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ito", "Jensen", "Kowalski", "Larsen", "Lopez", "Martin", "Meyer", "Moreau", "Nakamura", "Novak",
    "Okafor", "Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Sato", "Schmidt", "Silva", "Singh",
    "Smith", "Tanaka", "Torres", "Ueda", "Varga", "Wagner", "Weber", "Xu", "Yilmaz", "Zhang",
)  # fmt: skip
CITIES = (
    "Amsterdam", "Athens", "Austin", "Berlin", "Bogota", "Boston", "Cairo", "Chicago", "Denver", "Dublin",
    "Helsinki", "Lagos", "Lima", "Lisbon", "London", "Lyon", "Madrid", "Milan", "Montreal", "Mumbai",
    "Nairobi", "Osaka", "Oslo", "Paris", "Porto", "Prague", "Seattle", "Seoul", "Sydney", "Toronto",
    "Valencia", "Vienna", "Warsaw", "Zurich",
)  # fmt: skip
STREETS = (
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Lake", "Hill", "River", "Park", "Station", "Church", "Mill",
    "King", "Queen", "Bridge", "Harbor", "Garden", "Market", "Forest", "Meadow",
)  # fmt: skip
STREET_KINDS = ("St", "Ave", "Rd", "Ln", "Way", "Blvd", "Ct")
DOMAINS = ("example.com", "example.org", "example.net", "mail.test", "shop.test")
WORDS = (
    "alpha", "amber", "anchor", "apex", "atlas", "beacon", "bold", "breeze", "canyon", "cedar", "circle",
    "coral", "crisp", "delta", "drift", "echo", "ember", "falcon", "fern", "flint", "forge", "glacier",
    "harbor", "haven", "hazel", "horizon", "iris", "ivory", "jade", "juniper", "kestrel", "lagoon",
    "lumen", "maple", "meadow", "nova", "oasis", "onyx", "orbit", "pebble", "pine", "prism", "quartz",
    "raven", "ridge", "river", "sage", "sierra", "slate", "solar", "spruce", "summit", "tide", "timber",
    "topaz", "tundra", "umber", "vale", "velvet", "willow", "zephyr",
)  # fmt: skip
STATUSES = ("new", "paid", "shipped", "delivered", "cancelled")
CATEGORIES = ("books", "games", "garden", "kitchen", "music", "office", "outdoor", "sports", "tools", "toys")
