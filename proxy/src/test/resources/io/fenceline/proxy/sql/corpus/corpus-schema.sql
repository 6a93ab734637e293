--
-- PostgreSQL database dump
--

\restrict iAFZgstB4Kbgmljpm4pdEMONzVQBad9bINBLxlEnorRdcreHxn4NS1nI535d7ur

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: mood; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.mood AS ENUM (
    'sad',
    'ok',
    'meh',
    'happy'
);


--
-- Name: order_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.order_status AS ENUM (
    'new',
    'paid',
    'shipped',
    'cancelled'
);


--
-- Name: us_postal_code; Type: DOMAIN; Schema: public; Owner: -
--

CREATE DOMAIN public.us_postal_code AS text
	CONSTRAINT us_postal_code_check CHECK (((VALUE ~ '^\d{5}$'::text) OR (VALUE ~ '^\d{5}-\d{4}$'::text)));


--
-- Name: add_em(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.add_em(integer, integer) RETURNS integer
    LANGUAGE sql
    AS $_$ SELECT $1 + $2; $_$;


--
-- Name: add_em2(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.add_em2(a integer, b integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    RETURN (a + b);


--
-- Name: add_em3(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.add_em3(a integer, b integer) RETURNS integer
    LANGUAGE sql
    BEGIN ATOMIC
 SELECT (a + b);
END;


--
-- Name: insert_data(integer, integer); Type: PROCEDURE; Schema: public; Owner: -
--

CREATE PROCEDURE public.insert_data(IN a integer, IN b integer)
    LANGUAGE sql
    AS $$ INSERT INTO recent_transactions VALUES (a, b); INSERT INTO recent_transactions VALUES (b, a); $$;


--
-- Name: order_total(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.order_total(p_order bigint) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(qty * price), 0) FROM order_items WHERE order_id = p_order $$;


--
-- Name: tf1(integer, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tf1(accountno integer, debit numeric) RETURNS numeric
    LANGUAGE sql
    AS $$ UPDATE accounts_doc SET balance = balance - debit WHERE id = tf1.accountno; SELECT balance FROM accounts_doc WHERE id = tf1.accountno; $$;


--
-- Name: touch_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.touch_audit() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO audit_log (entity, entity_id, action) VALUES (TG_TABLE_NAME, NEW.id, TG_OP);
  RETURN NEW;
END;
$$;


--
-- Name: my_english; Type: TEXT SEARCH CONFIGURATION; Schema: public; Owner: -
--

CREATE TEXT SEARCH CONFIGURATION public.my_english (
    PARSER = pg_catalog."default" );

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR asciiword WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR word WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR numword WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR email WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR url WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR host WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR sfloat WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR version WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR hword_numpart WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR hword_part WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR hword_asciipart WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR numhword WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR asciihword WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR hword WITH english_stem;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR url_path WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR file WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR "float" WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR "int" WITH simple;

ALTER TEXT SEARCH CONFIGURATION public.my_english
    ADD MAPPING FOR uint WITH simple;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts_doc; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts_doc (
    id integer NOT NULL,
    name text,
    balance numeric,
    sales_person text,
    sales_id integer
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    entity text NOT NULL,
    entity_id bigint,
    action text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    payload jsonb
);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_log IS 'Append-only record of entity changes';


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: cities; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cities (
    name character varying(80) NOT NULL,
    location point
);


--
-- Name: capitals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.capitals (
    state character(2) NOT NULL
)
INHERITS (public.cities);


--
-- Name: categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.categories (
    id integer NOT NULL,
    parent_id integer,
    name text NOT NULL
);


--
-- Name: customer_account; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customer_account (
    customer_id integer NOT NULL,
    balance numeric
);


--
-- Name: customers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customers (
    id bigint NOT NULL,
    email text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    phone text
);


--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    status public.order_status DEFAULT 'new'::public.order_status NOT NULL,
    total numeric(12,2),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    note text NOT NULL
);


--
-- Name: customer_orders; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.customer_orders AS
 SELECT c.id AS customer_id,
    c.email,
    count(o.id) AS orders,
    COALESCE(sum(o.total), (0)::numeric) AS spent
   FROM (public.customers c
     LEFT JOIN public.orders o ON ((o.customer_id = c.id)))
  GROUP BY c.id, c.email;


--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: customers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;


--
-- Name: distributors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.distributors (
    did integer NOT NULL,
    dname character varying(40),
    zipcode character(5),
    is_active boolean DEFAULT true
);


--
-- Name: employees_doc; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.employees_doc (
    id integer NOT NULL,
    last_name text,
    first_name text,
    sales_count integer DEFAULT 0
);


--
-- Name: empsalary; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.empsalary (
    depname text,
    empno bigint,
    salary integer,
    enroll_date date
);


--
-- Name: films; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.films (
    code character(5) NOT NULL,
    title character varying(40) NOT NULL,
    did integer NOT NULL,
    date_prod date,
    kind character varying(10),
    len interval hour to minute
);


--
-- Name: films_backup; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.films_backup (
    code character(5),
    title character varying(40),
    did integer,
    date_prod date,
    kind character varying(10),
    len interval hour to minute
);


--
-- Name: films_recent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.films_recent (
    code character(5),
    title character varying(40),
    did integer,
    date_prod date,
    kind character varying(10),
    len interval hour to minute
);


--
-- Name: flyway_schema_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.flyway_schema_history (
    installed_rank integer NOT NULL,
    version character varying(50),
    description character varying(200) NOT NULL,
    type character varying(20) NOT NULL,
    script character varying(1000) NOT NULL,
    checksum integer,
    installed_by character varying(100) NOT NULL,
    installed_on timestamp without time zone DEFAULT now() NOT NULL,
    execution_time integer NOT NULL,
    success boolean NOT NULL
);


--
-- Name: gen_cols; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gen_cols (
    a integer,
    b integer GENERATED ALWAYS AS ((a * 2)) STORED
);


--
-- Name: ident_doc; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ident_doc (
    id bigint NOT NULL,
    v text
);


--
-- Name: ident_doc_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.ident_doc ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.ident_doc_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: measurement; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.measurement (
    city_id integer NOT NULL,
    logdate date NOT NULL,
    peaktemp integer,
    unitsales integer
)
PARTITION BY RANGE (logdate);


--
-- Name: measurement_y2006m02; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.measurement_y2006m02 (
    city_id integer NOT NULL,
    logdate date NOT NULL,
    peaktemp integer,
    unitsales integer
);


--
-- Name: measurement_y2006m03; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.measurement_y2006m03 (
    city_id integer NOT NULL,
    logdate date NOT NULL,
    peaktemp integer,
    unitsales integer
);


--
-- Name: weather; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.weather (
    city character varying(80),
    temp_lo integer,
    temp_hi integer,
    prcp real DEFAULT 0,
    date date
)
WITH (fillfactor='90');
ALTER TABLE ONLY public.weather ALTER COLUMN city SET STATISTICS 500;


--
-- Name: TABLE weather; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.weather IS 'Daily weather observations';


--
-- Name: COLUMN weather.prcp; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.weather.prcp IS 'Precipitation';


--
-- Name: myview; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.myview AS
 SELECT cities.name,
    weather.temp_lo,
    weather.temp_hi,
    weather.prcp,
    weather.date,
    cities.location
   FROM public.weather,
    public.cities
  WHERE ((weather.city)::text = (cities.name)::text);


--
-- Name: nums_1_100; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.nums_1_100 AS
 WITH RECURSIVE nums_1_100(n) AS (
         VALUES (1)
        UNION ALL
         SELECT (nums_1_100_1.n + 1)
           FROM nums_1_100 nums_1_100_1
          WHERE (nums_1_100_1.n < 100)
        )
 SELECT nums_1_100.n
   FROM nums_1_100;


--
-- Name: order_items; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.order_items (
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    qty integer NOT NULL,
    price numeric(12,2) NOT NULL
);


--
-- Name: orders_like; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders_like (
    did integer NOT NULL,
    dname character varying(40),
    zipcode character(5),
    is_active boolean DEFAULT true
);


--
-- Name: orders_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.orders_seq
    START WITH 1
    INCREMENT BY 50
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: pgbench_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pgbench_accounts (
    aid integer NOT NULL,
    bid integer,
    abalance integer,
    filler character(84)
)
WITH (fillfactor='100');


--
-- Name: pgbench_branches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pgbench_branches (
    bid integer NOT NULL,
    bbalance integer,
    filler character(88)
)
WITH (fillfactor='100');


--
-- Name: pgbench_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pgbench_history (
    tid integer,
    bid integer,
    aid integer,
    delta integer,
    mtime timestamp without time zone,
    filler character(22)
);


--
-- Name: pgbench_tellers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pgbench_tellers (
    tid integer NOT NULL,
    bid integer,
    tbalance integer,
    filler character(84)
)
WITH (fillfactor='100');


--
-- Name: products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.products (
    id bigint NOT NULL,
    sku character varying(32) NOT NULL,
    name text NOT NULL,
    price numeric(12,2) NOT NULL,
    stock integer DEFAULT 0 NOT NULL,
    category_id integer,
    CONSTRAINT products_price_check CHECK ((price >= (0)::numeric))
);


--
-- Name: product_sales; Type: MATERIALIZED VIEW; Schema: public; Owner: -
--

CREATE MATERIALIZED VIEW public.product_sales AS
 SELECT p.id,
    p.sku,
    COALESCE(sum(i.qty), (0)::bigint) AS sold
   FROM (public.products p
     LEFT JOIN public.order_items i ON ((i.product_id = p.id)))
  GROUP BY p.id, p.sku
  WITH NO DATA;


--
-- Name: products_doc; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.products_doc (
    product_no integer NOT NULL,
    name text,
    price numeric(10,2)
);


--
-- Name: products_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.products_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: products_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.products_id_seq OWNED BY public.products.id;


--
-- Name: recent_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recent_transactions (
    customer_id integer,
    transaction_value numeric
);


--
-- Name: reservation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reservation (
    room integer,
    during tsrange
);


--
-- Name: tictactoe; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tictactoe (
    squares integer[]
);


--
-- Name: measurement_y2006m02; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.measurement ATTACH PARTITION public.measurement_y2006m02 FOR VALUES FROM ('2006-02-01') TO ('2006-03-01');


--
-- Name: measurement_y2006m03; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.measurement ATTACH PARTITION public.measurement_y2006m03 FOR VALUES FROM ('2006-03-01') TO ('2006-04-01');


--
-- Name: customers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);


--
-- Name: products id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products ALTER COLUMN id SET DEFAULT nextval('public.products_id_seq'::regclass);


--
-- Name: accounts_doc accounts_doc_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts_doc
    ADD CONSTRAINT accounts_doc_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: capitals capitals_state_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.capitals
    ADD CONSTRAINT capitals_state_key UNIQUE (state);


--
-- Name: categories categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (id);


--
-- Name: cities cities_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cities
    ADD CONSTRAINT cities_pkey PRIMARY KEY (name);


--
-- Name: customer_account customer_account_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_account
    ADD CONSTRAINT customer_account_pkey PRIMARY KEY (customer_id);


--
-- Name: customers customers_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_email_key UNIQUE (email);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: distributors distributors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.distributors
    ADD CONSTRAINT distributors_pkey PRIMARY KEY (did);

ALTER TABLE public.distributors CLUSTER ON distributors_pkey;


--
-- Name: employees_doc employees_doc_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.employees_doc
    ADD CONSTRAINT employees_doc_pkey PRIMARY KEY (id);


--
-- Name: films films_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.films
    ADD CONSTRAINT films_pkey PRIMARY KEY (code);


--
-- Name: flyway_schema_history flyway_schema_history_pk; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.flyway_schema_history
    ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank);


--
-- Name: order_items order_items_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, product_id);


--
-- Name: orders_like orders_like_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders_like
    ADD CONSTRAINT orders_like_pkey PRIMARY KEY (did);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: pgbench_accounts pgbench_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pgbench_accounts
    ADD CONSTRAINT pgbench_accounts_pkey PRIMARY KEY (aid);


--
-- Name: pgbench_branches pgbench_branches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pgbench_branches
    ADD CONSTRAINT pgbench_branches_pkey PRIMARY KEY (bid);


--
-- Name: pgbench_tellers pgbench_tellers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pgbench_tellers
    ADD CONSTRAINT pgbench_tellers_pkey PRIMARY KEY (tid);


--
-- Name: products_doc positive_price; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.products_doc
    ADD CONSTRAINT positive_price CHECK ((price > (0)::numeric)) NOT VALID;


--
-- Name: products_doc products_doc_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products_doc
    ADD CONSTRAINT products_doc_pkey PRIMARY KEY (product_no);


--
-- Name: products products_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (id);


--
-- Name: products products_sku_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_sku_key UNIQUE (sku);


--
-- Name: audit_log_payload_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_payload_idx ON public.audit_log USING gin (payload);


--
-- Name: distributors_dname_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX distributors_dname_idx ON public.distributors USING btree (dname);


--
-- Name: films_title_include; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX films_title_include ON public.films USING btree (title) INCLUDE (kind);


--
-- Name: films_title_partial; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX films_title_partial ON public.films USING btree (title) WHERE ((kind)::text = 'Comedy'::text);


--
-- Name: flyway_schema_history_s_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history USING btree (success);


--
-- Name: measurement_logdate_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX measurement_logdate_idx ON ONLY public.measurement USING btree (logdate);


--
-- Name: measurement_y2006m02_logdate_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX measurement_y2006m02_logdate_idx ON public.measurement_y2006m02 USING btree (logdate);


--
-- Name: measurement_y2006m03_logdate_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX measurement_y2006m03_logdate_idx ON public.measurement_y2006m03 USING btree (logdate);


--
-- Name: orders_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id);


--
-- Name: orders_like_dname_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX orders_like_dname_idx ON public.orders_like USING btree (dname);


--
-- Name: product_sales_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX product_sales_id ON public.product_sales USING btree (id);


--
-- Name: products_name_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX products_name_idx ON public.products USING btree (lower(name));


--
-- Name: weather_lower_city; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX weather_lower_city ON public.weather USING btree (lower((city)::text));


--
-- Name: measurement_y2006m02_logdate_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.measurement_logdate_idx ATTACH PARTITION public.measurement_y2006m02_logdate_idx;


--
-- Name: measurement_y2006m03_logdate_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.measurement_logdate_idx ATTACH PARTITION public.measurement_y2006m03_logdate_idx;


--
-- Name: weather_stats; Type: STATISTICS; Schema: public; Owner: -
--

CREATE STATISTICS public.weather_stats (dependencies) ON city, temp_lo FROM public.weather;


--
-- Name: customers customers_audit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE ON public.customers FOR EACH ROW EXECUTE FUNCTION public.touch_audit();


--
-- Name: categories categories_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.categories(id);


--
-- Name: order_items order_items_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id) ON DELETE CASCADE;


--
-- Name: order_items order_items_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(id);


--
-- Name: orders orders_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);


--
-- Name: products products_category_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES public.categories(id);


--
-- PostgreSQL database dump complete
--

\unrestrict iAFZgstB4Kbgmljpm4pdEMONzVQBad9bINBLxlEnorRdcreHxn4NS1nI535d7ur

