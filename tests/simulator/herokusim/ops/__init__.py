"""Operations behind the API routes, one module per Heroku concept."""
