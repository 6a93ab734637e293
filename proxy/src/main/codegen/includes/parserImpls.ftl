<#--
  Fenceline's PostgreSQL grammar extensions to Calcite's parser.

  The statement productions (PgWith, PgInsert, PgUpdate, PgDelete, PgMerge, PgQuery) are listed in
  config.fmpp's statementParserMethods, so SqlStmt() tries them before Calcite's own INSERT, UPDATE,
  DELETE, MERGE and query productions. They build SqlModification / SqlLockingQuery nodes, which
  record what inspection needs (target, sources, expressions, RETURNING list) rather than what a
  validator would need. Expressions, queries and FROM lists are Calcite's own productions.
-->

<DEFAULT, DQID, BTID, BQID, BQHID> TOKEN :
{
    < INFIX_CAST: "::" >
|   < TILDE: "~" >
|   < NEGATE: "!" >
}

/** expr::type, PostgreSQL's cast operator, as a binary operator of Expression2. */
void PgInfixCast(List<Object> list, ExprContext exprContext, Span s) :
{
    final SqlDataTypeSpec type;
}
{
    <INFIX_CAST> {
        checkNonQueryExpression(exprContext);
    }
    type = DataType() {
        list.add(new SqlParserUtil.ToTreeListItem(SqlLibraryOperators.INFIX_CAST, s.pos()));
        list.add(type);
    }
}

/** An optional alias after a DML target; RETURNING (a non-reserved word) never is one. */
SqlIdentifier PgTargetAlias() :
{
    SqlIdentifier alias = null;
}
{
    [
        <AS> alias = SimpleIdentifier()
    |
        LOOKAHEAD({ getToken(1).kind != RETURNING && getToken(1).kind != DO })
        alias = SimpleIdentifier()
    ]
    { return alias; }
}

/** RETURNING output list of INSERT, UPDATE and DELETE. */
SqlNodeList PgReturning() :
{
    final List<SqlNode> list = new ArrayList<SqlNode>();
    final Span s;
}
{
    <RETURNING> { s = span(); }
    AddSelectItem(list) ( <COMMA> AddSelectItem(list) )*
    { return new SqlNodeList(list, s.end(this)); }
}

/** col = expr, (col, col) = (expr, expr), (col, col) = (SELECT ...), col = DEFAULT. */
void PgAssignment(List<SqlNode> columns, List<SqlNode> expressions) :
{
    SqlIdentifier id;
    SqlNode e;
}
{
    (
        id = CompoundIdentifier() { columns.add(id); }
    |
        <LPAREN> id = CompoundIdentifier() { columns.add(id); }
        ( <COMMA> id = CompoundIdentifier() { columns.add(id); } )*
        <RPAREN>
    )
    <EQ>
    (
        LOOKAHEAD(1) <DEFAULT_>
    |
        e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); }
    )
}

void PgAssignments(List<SqlNode> columns, List<SqlNode> expressions) :
{
}
{
    PgAssignment(columns, expressions) ( <COMMA> PgAssignment(columns, expressions) )*
}

/** WHERE condition or WHERE CURRENT OF cursor. */
void PgWhere(List<SqlNode> expressions) :
{
    SqlNode e;
}
{
    <WHERE>
    (
        LOOKAHEAD(2) <CURRENT> <OF> SimpleIdentifier()
    |
        e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); }
    )
}

/** OVERRIDING { SYSTEM | USER } VALUE */
void PgOverriding() :
{
}
{
    <OVERRIDING> ( <SYSTEM> | <USER> ) <VALUE>
}

/** ON CONFLICT [ target ] DO NOTHING | DO UPDATE SET ... [ WHERE ... ] */
void PgOnConflict(List<SqlNode> columns, List<SqlNode> expressions) :
{
    SqlNode e;
}
{
    <ON> <CONFLICT>
    [
        <LPAREN>
        e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); }
        ( <COMMA> e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); } )*
        <RPAREN>
        [ PgWhere(expressions) ]
    |
        <ON> <CONSTRAINT> SimpleIdentifier()
    ]
    <DO>
    (
        <NOTHING>
    |
        <UPDATE> <SET> PgAssignments(columns, expressions)
        [ PgWhere(expressions) ]
    )
}

/** INSERT INTO t [AS a] [(cols)] [OVERRIDING ...] { DEFAULT VALUES | query } [ON CONFLICT ...] [RETURNING ...] */
SqlNode PgInsert() :
{
    final Span s;
    final SqlIdentifier target;
    final SqlIdentifier alias;
    final List<SqlNode> columns = new ArrayList<SqlNode>();
    final List<SqlNode> sources = new ArrayList<SqlNode>();
    final List<SqlNode> expressions = new ArrayList<SqlNode>();
    SqlNodeList returning = SqlNodeList.EMPTY;
    SqlIdentifier id;
    SqlNode e;
}
{
    <INSERT> { s = span(); } <INTO> target = CompoundTableIdentifier()
    alias = PgTargetAlias()
    [
        LOOKAHEAD(2)
        <LPAREN> id = CompoundIdentifier() { columns.add(id); }
        ( <COMMA> id = CompoundIdentifier() { columns.add(id); } )*
        <RPAREN>
    ]
    [ PgOverriding() ]
    (
        <DEFAULT_> <VALUES>
    |
        e = OrderedQueryOrExpr(ExprContext.ACCEPT_QUERY) { sources.add(e); }
    )
    [ PgOnConflict(columns, expressions) ]
    [ returning = PgReturning() ]
    {
        return new SqlModification(s.end(this), SqlModification.Operation.INSERT, target, alias,
            new SqlNodeList(columns, s.pos()), new SqlNodeList(sources, s.pos()),
            new SqlNodeList(expressions, s.pos()), returning);
    }
}

/** UPDATE [ONLY] t [*] [[AS] a] SET ... [FROM ...] [WHERE ...] [RETURNING ...] */
SqlNode PgUpdate() :
{
    final Span s;
    final SqlIdentifier target;
    final SqlIdentifier alias;
    final List<SqlNode> columns = new ArrayList<SqlNode>();
    final List<SqlNode> sources = new ArrayList<SqlNode>();
    final List<SqlNode> expressions = new ArrayList<SqlNode>();
    SqlNodeList returning = SqlNodeList.EMPTY;
    SqlNode e;
}
{
    <UPDATE> { s = span(); } [ <ONLY> ] target = CompoundTableIdentifier() [ <STAR> ]
    alias = PgTargetAlias()
    <SET> PgAssignments(columns, expressions)
    [ <FROM> e = FromClause() { sources.add(e); } ]
    [ PgWhere(expressions) ]
    [ returning = PgReturning() ]
    {
        return new SqlModification(s.end(this), SqlModification.Operation.UPDATE, target, alias,
            new SqlNodeList(columns, s.pos()), new SqlNodeList(sources, s.pos()),
            new SqlNodeList(expressions, s.pos()), returning);
    }
}

/** DELETE FROM [ONLY] t [*] [[AS] a] [USING ...] [WHERE ...] [RETURNING ...] */
SqlNode PgDelete() :
{
    final Span s;
    final SqlIdentifier target;
    final SqlIdentifier alias;
    final List<SqlNode> sources = new ArrayList<SqlNode>();
    final List<SqlNode> expressions = new ArrayList<SqlNode>();
    SqlNodeList returning = SqlNodeList.EMPTY;
    SqlNode e;
}
{
    <DELETE> { s = span(); } <FROM> [ <ONLY> ] target = CompoundTableIdentifier() [ <STAR> ]
    alias = PgTargetAlias()
    [ <USING> e = FromClause() { sources.add(e); } ]
    [ PgWhere(expressions) ]
    [ returning = PgReturning() ]
    {
        return new SqlModification(s.end(this), SqlModification.Operation.DELETE, target, alias,
            SqlNodeList.EMPTY, new SqlNodeList(sources, s.pos()),
            new SqlNodeList(expressions, s.pos()), returning);
    }
}

/** One WHEN [NOT] MATCHED [AND cond] THEN action of MERGE. */
void PgMergeWhen(List<SqlNode> columns, List<SqlNode> expressions) :
{
    SqlIdentifier id;
    SqlNode e;
}
{
    <WHEN> [ <NOT> ] <MATCHED>
    [ <AND> e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); } ]
    <THEN>
    (
        <UPDATE> <SET> PgAssignments(columns, expressions)
    |
        <DELETE>
    |
        <DO> <NOTHING>
    |
        <INSERT>
        [
            <LPAREN> id = CompoundIdentifier() { columns.add(id); }
            ( <COMMA> id = CompoundIdentifier() { columns.add(id); } )*
            <RPAREN>
        ]
        [ PgOverriding() ]
        (
            <DEFAULT_> <VALUES>
        |
            <VALUES> <LPAREN>
            ( <DEFAULT_> | e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); } )
            (
                <COMMA>
                ( <DEFAULT_> | e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); } )
            )*
            <RPAREN>
        )
    )
}

/** MERGE INTO [ONLY] t [[AS] a] USING source ON cond WHEN ... (PostgreSQL 15). */
SqlNode PgMerge() :
{
    final Span s;
    final SqlIdentifier target;
    final SqlIdentifier alias;
    final List<SqlNode> columns = new ArrayList<SqlNode>();
    final List<SqlNode> sources = new ArrayList<SqlNode>();
    final List<SqlNode> expressions = new ArrayList<SqlNode>();
    SqlNode e;
}
{
    <MERGE> { s = span(); } <INTO> [ <ONLY> ] target = CompoundTableIdentifier() [ <STAR> ]
    alias = PgTargetAlias()
    <USING> e = TableRef() { sources.add(e); }
    <ON> e = Expression(ExprContext.ACCEPT_SUB_QUERY) { expressions.add(e); }
    ( PgMergeWhen(columns, expressions) )+
    {
        return new SqlModification(s.end(this), SqlModification.Operation.MERGE, target, alias,
            new SqlNodeList(columns, s.pos()), new SqlNodeList(sources, s.pos()),
            new SqlNodeList(expressions, s.pos()), SqlNodeList.EMPTY);
    }
}

/** FOR { UPDATE | NO KEY UPDATE | SHARE | KEY SHARE } [OF t, ...] [NOWAIT | SKIP LOCKED] */
void PgLockingClause(List<SqlNode> lockedTables) :
{
    SqlIdentifier id;
}
{
    ( <FOR> | <FOR_LOCKING> )
    (
        <UPDATE>
    |
        <NO> <KEY> <UPDATE>
    |
        <SHARE>
    |
        <KEY> <SHARE>
    )
    [
        <OF> id = CompoundIdentifier() { lockedTables.add(id); }
        ( <COMMA> id = CompoundIdentifier() { lockedTables.add(id); } )*
    ]
    [ <NOWAIT> | <SKIP_> <LOCKED> ]
}

/** A query, optionally with locking clauses (which PostgreSQL also accepts before LIMIT). */
SqlNode PgQuery() :
{
    SqlNode query;
    final List<SqlNode> lockedTables = new ArrayList<SqlNode>();
    boolean locking = false;
    final SqlNode[] offsetFetch = {null, null};
    final Span s;
}
{
    { s = span(); }
    query = OrderedQueryOrExpr(ExprContext.ACCEPT_QUERY)
    (
        PgLockingClause(lockedTables) { locking = true; }
    )*
    [
        LimitClause(Span.of(), offsetFetch) [ OffsetClause(Span.of(), offsetFetch) ]
    |
        OffsetClause(Span.of(), offsetFetch) [ LimitClause(Span.of(), offsetFetch) ]
    ]
    {
        if (offsetFetch[0] != null || offsetFetch[1] != null) {
            query = new SqlOrderBy(getPos(), query, SqlNodeList.EMPTY, offsetFetch[0], offsetFetch[1]);
        }
        if (!locking) {
            return query;
        }
        return new SqlLockingQuery(s.end(this), query, new SqlNodeList(lockedTables, s.pos()));
    }
}

/** The statement a WITH clause introduces, or a data-modifying WITH item's body. */
SqlNode PgWithBody() :
{
    final SqlNode e;
}
{
    (
        e = PgInsert()
    |
        e = PgUpdate()
    |
        e = PgDelete()
    |
        e = PgMerge()
    |
        e = PgQuery()
    )
    { return e; }
}

void PgWithItem(List<SqlNode> list, boolean recursive) :
{
    final SqlIdentifier id;
    SqlNodeList columns = null;
    final SqlNode definition;
}
{
    id = SimpleIdentifier()
    [ columns = ParenthesizedSimpleIdentifierList() ]
    <AS> [ <NOT> ] [ <MATERIALIZED> ]
    <LPAREN> definition = PgWithBody() <RPAREN>
    {
        list.add(new SqlWithItem(id.getParserPosition(), id, columns, definition,
            SqlLiteral.createBoolean(recursive, getPos())));
    }
}

/** WITH [RECURSIVE] name AS ( query | INSERT | UPDATE | DELETE ... ) statement */
SqlNode PgWith() :
{
    final Span s;
    boolean recursive = false;
    final List<SqlNode> items = new ArrayList<SqlNode>();
    final SqlNode body;
}
{
    <WITH> { s = span(); } [ <RECURSIVE> { recursive = true; } ]
    PgWithItem(items, recursive) ( <COMMA> PgWithItem(items, recursive) )*
    body = PgWithBody()
    {
        return new SqlWith(s.end(this), new SqlNodeList(items, s.pos()), body);
    }
}
