DROP DATABASE app_production;
