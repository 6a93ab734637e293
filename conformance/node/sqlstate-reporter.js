'use strict'
// mocha's xunit reporter, with the SQLSTATE of each failure's error (node-postgres puts it in err.code) appended
// to the failure's message as " [SQLSTATE xxxxx]": bin/conformance tells a write refused with 25006 from any
// other failure by it, without reading the message text.
const Mocha = require('mocha')
const XUnit = Mocha.reporters.XUnit

class SqlStateXUnit extends XUnit {
  constructor (runner, options) {
    super(runner, options)
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => tag(err))
  }
}

function tag (err) {
  if (err && typeof err === 'object' && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) &&
      !String(err.message).includes('[SQLSTATE ')) {
    err.message = `${err.message} [SQLSTATE ${err.code}]`
  }
}

module.exports = SqlStateXUnit
