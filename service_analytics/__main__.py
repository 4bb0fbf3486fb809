from service_analytics.cli import main

raise SystemExit(main())
