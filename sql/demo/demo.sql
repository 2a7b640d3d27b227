-- The demo county: Dingnan (定南县, Ganzhou, Jiangxi).
--
-- Sample data to try paidan with, loaded by `paidan demo` (which then creates the demo accounts).
-- Everything here is made up apart from the names of the towns and of the county bodies: the
-- communities are called 样例 (sample), the volunteers have common names, sample numbers
-- DN-V-0001 … and phone numbers 1390000xxxx that belong to no one.
--
-- Idempotent: every row is keyed by its natural key (a name, a code, a volunteer number) and
-- inserted only when missing, so a second run changes nothing, not even a sequence. Ids are always
-- looked up by those keys; a misspelt key makes a scalar subquery NULL and the load fails on a
-- NOT NULL column instead of silently dropping a row. Rows that already exist are left alone, so
-- what an admin changed through the application survives a reload.
--
-- The caller wraps the script in one transaction (`paidan demo`, or `psql -1`); it has no
-- BEGIN/COMMIT and no psql meta-commands of its own.

-- 镇: the seven towns of Dingnan, in the county's usual order.
INSERT INTO towns (name, sort_order)
SELECT v.name, v.sort_order
  FROM (VALUES ('历市镇', 1), ('岿美山镇', 2), ('老城镇', 3), ('天九镇', 4),
               ('龙塘镇', 5), ('岭北镇', 6), ('鹅公镇', 7)) AS v (name, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM towns t WHERE t.name = v.name)
ON CONFLICT (name) DO NOTHING;

-- 社区/村: two or three samples per town; none of them is a real community.
INSERT INTO communities (town_id, name, sort_order)
SELECT (SELECT t.id FROM towns t WHERE t.name = v.town), v.name, v.sort_order
  FROM (VALUES
        ('历市镇',   '历市镇样例社区一', 1),
        ('历市镇',   '历市镇样例社区二', 2),
        ('历市镇',   '历市镇样例村三',   3),
        ('岿美山镇', '岿美山镇样例社区一', 1),
        ('岿美山镇', '岿美山镇样例村二',   2),
        ('岿美山镇', '岿美山镇样例村三',   3),
        ('老城镇',   '老城镇样例社区一', 1),
        ('老城镇',   '老城镇样例村二',   2),
        ('天九镇',   '天九镇样例社区一', 1),
        ('天九镇',   '天九镇样例村二',   2),
        ('龙塘镇',   '龙塘镇样例社区一', 1),
        ('龙塘镇',   '龙塘镇样例村二',   2),
        ('岭北镇',   '岭北镇样例社区一', 1),
        ('岭北镇',   '岭北镇样例村二',   2),
        ('鹅公镇',   '鹅公镇样例社区一', 1),
        ('鹅公镇',   '鹅公镇样例村二',   2)
       ) AS v (town, name, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM communities c JOIN towns t ON t.id = c.town_id
                    WHERE t.name = v.town AND c.name = v.name)
ON CONFLICT (town_id, name) DO NOTHING;

-- 县直部门: the county bodies the science-literacy plan names.
INSERT INTO departments (name, sort_order)
SELECT v.name, v.sort_order
  FROM (VALUES ('县科协', 1), ('县教科体局', 2), ('县卫健委', 3), ('县农业农村局', 4),
               ('县应急管理局', 5), ('县文广新旅局', 6), ('县民政局', 7), ('县人社局', 8),
               ('县生态环境局', 9), ('县市监局', 10), ('团县委', 11), ('县妇联', 12),
               ('定南中专', 13), ('县公安局', 14)) AS v (name, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.name = v.name)
ON CONFLICT (name) DO NOTHING;

-- Skills volunteers declare and categories ask for.
INSERT INTO skills (code, name)
SELECT v.code, v.name
  FROM (VALUES
        ('science_teaching',    '科学教育'),
        ('science_experiment',  '科学实验演示'),
        ('coding',              '编程与机器人'),
        ('smartphone_help',     '智能手机辅导'),
        ('health_education',    '健康科普'),
        ('first_aid',           '急救培训'),
        ('psych_counseling',    '心理疏导'),
        ('emergency_drill',     '应急演练与防灾减灾'),
        ('fire_safety',         '消防安全'),
        ('fruit_cultivation',   '果树栽培（脐橙等）'),
        ('pest_control',        '病虫害防治'),
        ('food_safety',         '食品安全'),
        ('eco_protection',      '生态环保'),
        ('waste_sorting',       '垃圾分类'),
        ('anti_fraud',          '反诈宣传'),
        ('ecommerce',           '电商直播'),
        ('vocational_training', '职业技能培训'),
        ('family_education',    '家庭教育')
       ) AS v (code, name)
 WHERE NOT EXISTS (SELECT 1 FROM skills s WHERE s.code = v.code)
ON CONFLICT (code) DO NOTHING;

-- Categories: what a resident can ask for, from the plan's actions and projects. The description is
-- shown on the resident form, so it is short and in plain words. Deadlines keep the county defaults
-- (the column defaults) except 应急科普, which is split out below to show a per-category setting.
INSERT INTO categories (code, name, description, department_id, sort_order)
SELECT v.code, v.name, v.description, (SELECT d.id FROM departments d WHERE d.name = v.department), v.sort_order
  FROM (VALUES
        ('youth_science', '青少年科学教育', '请志愿者给孩子们讲科学、做实验，进学校、进社区都可以。', '县科协', 1),
        ('smart_elderly', '智慧助老（智能手机）', '手把手教老人用智能手机：扫码、视频通话、网上挂号。', '县科协', 2),
        ('health_education', '健康科普', '讲讲常见病怎么防、饭菜怎么吃更健康、药该怎么用。', '县卫健委', 3)
       ) AS v (code, name, description, department, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = v.code)
ON CONFLICT (code) DO NOTHING;

-- 应急科普: a request about a coming flood or a fire drill should not wait a day to be dispatched.
INSERT INTO categories (code, name, description, department_id, dispatch_hours, claim_hours, sort_order)
SELECT v.code, v.name, v.description, (SELECT d.id FROM departments d WHERE d.name = v.department),
       v.dispatch_hours, v.claim_hours, v.sort_order
  FROM (VALUES
        ('emergency', '应急科普与防灾减灾', '教大家遇到火灾、洪水、地震怎么办，学会简单的急救。', '县应急管理局', 4, 8, 4)
       ) AS v (code, name, description, department, dispatch_hours, claim_hours, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = v.code)
ON CONFLICT (code) DO NOTHING;

INSERT INTO categories (code, name, description, department_id, sort_order)
SELECT v.code, v.name, v.description, (SELECT d.id FROM departments d WHERE d.name = v.department), v.sort_order
  FROM (VALUES
        ('agri_tech', '农业实用技术', '农技员上门指导果树、蔬菜种植，教您防治病虫害。', '县农业农村局', 5),
        ('food_safety', '食品安全', '教大家认出过期、变质的食品，买得放心、吃得安心。', '县市监局', 6),
        ('eco_lowcarbon', '生态环保与低碳生活', '讲讲垃圾怎么分类、怎样省水省电，一起爱护山林河流。', '县生态环境局', 7),
        ('mental_health', '心理健康', '心里烦闷、晚上睡不好？有人陪您聊聊，讲讲怎样放宽心。', '县卫健委', 8),
        ('anti_fraud', '反电信诈骗', '讲讲常见的骗局，接到可疑电话、短信时该怎么办。', '县公安局', 9),
        ('vocational', '职业技能', '学一门实用手艺，比如电工、电商直播，帮您找活干、多增收。', '定南中专', 10),
        ('family_education', '家庭教育', '讲讲怎样陪孩子学习成长，留守儿童的家庭也能得到帮助。', '县妇联', 11)
       ) AS v (code, name, description, department, sort_order)
 WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = v.code)
ON CONFLICT (code) DO NOTHING;

-- 不清楚/其他: a resident who cannot tell which kind their need is chooses this (the form puts it last);
-- the community reads the description and dispatches it to whichever department fits.
INSERT INTO categories (code, name, description, department_id, sort_order)
SELECT 'other', '不清楚/其他', '说不清属于哪一类也没关系，写下您的需要，社区帮您安排。',
       (SELECT d.id FROM departments d WHERE d.name = '县科协'), 99
 WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.code = 'other')
ON CONFLICT (code) DO NOTHING;

-- The skills each category needs; the default department has a team whose members hold them all.
INSERT INTO category_skills (category_id, skill_id)
SELECT (SELECT c.id FROM categories c WHERE c.code = v.category), (SELECT s.id FROM skills s WHERE s.code = v.skill)
  FROM (VALUES
        ('youth_science',    'science_teaching'),
        ('youth_science',    'science_experiment'),
        ('smart_elderly',    'smartphone_help'),
        ('health_education', 'health_education'),
        ('emergency',        'emergency_drill'),
        ('emergency',        'first_aid'),
        ('agri_tech',        'fruit_cultivation'),
        ('agri_tech',        'pest_control'),
        ('food_safety',      'food_safety'),
        ('eco_lowcarbon',    'eco_protection'),
        ('eco_lowcarbon',    'waste_sorting'),
        ('mental_health',    'psych_counseling'),
        ('anti_fraud',       'anti_fraud'),
        ('vocational',       'vocational_training'),
        ('vocational',       'ecommerce'),
        ('family_education', 'family_education')
       ) AS v (category, skill)
ON CONFLICT (category_id, skill_id) DO NOTHING;

-- Teams. 县科协科普志愿服务队 goes first on its own: the demo team account is the lowest-id team of 县科协.
INSERT INTO teams (name, department_id)
SELECT '县科协科普志愿服务队', (SELECT d.id FROM departments d WHERE d.name = '县科协')
 WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.name = '县科协科普志愿服务队')
ON CONFLICT (name) DO NOTHING;

INSERT INTO teams (name, department_id)
SELECT v.name, (SELECT d.id FROM departments d WHERE d.name = v.department)
  FROM (VALUES
        ('县教科体局科技教师志愿服务队', '县教科体局'),
        ('县卫健委健康科普志愿服务队',   '县卫健委'),
        ('县农业农村局农技志愿服务队',   '县农业农村局'),
        ('县应急管理局应急志愿服务队',   '县应急管理局'),
        ('团县委青年科技志愿服务队',     '团县委'),
        ('县公安局反诈宣传志愿服务队',   '县公安局'),
        ('县生态环境局生态环保志愿服务队', '县生态环境局'),
        ('县市监局食品安全志愿服务队',   '县市监局'),
        ('定南中专职业技能志愿服务队',   '定南中专'),
        ('县妇联巾帼志愿服务队',         '县妇联')
       ) AS v (name, department)
 WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.name = v.name)
ON CONFLICT (name) DO NOTHING;

-- The towns each team serves (one to four); together they cover every town.
INSERT INTO team_towns (team_id, town_id)
SELECT (SELECT t.id FROM teams t WHERE t.name = v.team), (SELECT w.id FROM towns w WHERE w.name = v.town)
  FROM (VALUES
        ('县科协科普志愿服务队', '历市镇'), ('县科协科普志愿服务队', '老城镇'),
        ('县科协科普志愿服务队', '天九镇'), ('县科协科普志愿服务队', '龙塘镇'),
        ('县教科体局科技教师志愿服务队', '历市镇'), ('县教科体局科技教师志愿服务队', '岭北镇'),
        ('县教科体局科技教师志愿服务队', '鹅公镇'),
        ('县卫健委健康科普志愿服务队', '历市镇'), ('县卫健委健康科普志愿服务队', '岿美山镇'),
        ('县卫健委健康科普志愿服务队', '龙塘镇'),
        ('县农业农村局农技志愿服务队', '岿美山镇'), ('县农业农村局农技志愿服务队', '老城镇'),
        ('县农业农村局农技志愿服务队', '天九镇'), ('县农业农村局农技志愿服务队', '岭北镇'),
        ('县应急管理局应急志愿服务队', '历市镇'), ('县应急管理局应急志愿服务队', '岿美山镇'),
        ('县应急管理局应急志愿服务队', '鹅公镇'),
        ('团县委青年科技志愿服务队', '历市镇'), ('团县委青年科技志愿服务队', '老城镇'),
        ('团县委青年科技志愿服务队', '龙塘镇'),
        ('县公安局反诈宣传志愿服务队', '历市镇'), ('县公安局反诈宣传志愿服务队', '天九镇'),
        ('县公安局反诈宣传志愿服务队', '岭北镇'), ('县公安局反诈宣传志愿服务队', '鹅公镇'),
        ('县生态环境局生态环保志愿服务队', '岿美山镇'), ('县生态环境局生态环保志愿服务队', '老城镇'),
        ('县生态环境局生态环保志愿服务队', '鹅公镇'),
        ('县市监局食品安全志愿服务队', '历市镇'), ('县市监局食品安全志愿服务队', '天九镇'),
        ('县市监局食品安全志愿服务队', '龙塘镇'),
        ('定南中专职业技能志愿服务队', '历市镇'), ('定南中专职业技能志愿服务队', '老城镇'),
        ('定南中专职业技能志愿服务队', '岭北镇'),
        ('县妇联巾帼志愿服务队', '历市镇'), ('县妇联巾帼志愿服务队', '天九镇'),
        ('县妇联巾帼志愿服务队', '鹅公镇')
       ) AS v (team, town)
ON CONFLICT (team_id, town_id) DO NOTHING;

-- Volunteers: sample people with sample numbers and phone numbers that belong to no one.
INSERT INTO volunteers (volunteer_no, name, phone)
SELECT v.volunteer_no, v.name, v.phone
  FROM (VALUES
        ('DN-V-0001', '钟志华', '13900000001'), ('DN-V-0002', '赖秀英', '13900000002'),
        ('DN-V-0003', '刘建国', '13900000003'), ('DN-V-0004', '黄丽萍', '13900000004'),
        ('DN-V-0005', '曾文斌', '13900000005'),
        ('DN-V-0006', '叶晓燕', '13900000006'), ('DN-V-0007', '谢国强', '13900000007'),
        ('DN-V-0008', '廖春梅', '13900000008'), ('DN-V-0009', '陈海涛', '13900000009'),
        ('DN-V-0010', '王淑芬', '13900000010'), ('DN-V-0011', '张伟',   '13900000011'),
        ('DN-V-0012', '李红梅', '13900000012'), ('DN-V-0013', '邱德明', '13900000013'),
        ('DN-V-0014', '罗永福', '13900000014'), ('DN-V-0015', '肖桂英', '13900000015'),
        ('DN-V-0016', '温建平', '13900000016'), ('DN-V-0017', '何玉兰', '13900000017'),
        ('DN-V-0018', '朱国华', '13900000018'), ('DN-V-0019', '郭志强', '13900000019'),
        ('DN-V-0020', '胡晓丽', '13900000020'), ('DN-V-0021', '卢振东', '13900000021'),
        ('DN-V-0022', '钟思琪', '13900000022'), ('DN-V-0023', '赖宇航', '13900000023'),
        ('DN-V-0024', '刘佳怡', '13900000024'), ('DN-V-0025', '黄子轩', '13900000025'),
        ('DN-V-0026', '曾宪文', '13900000026'), ('DN-V-0027', '叶美玲', '13900000027'),
        ('DN-V-0028', '谢志刚', '13900000028'), ('DN-V-0029', '廖文静', '13900000029'),
        ('DN-V-0030', '陈绍林', '13900000030'), ('DN-V-0031', '王芳',   '13900000031'),
        ('DN-V-0032', '张俊杰', '13900000032'),
        ('DN-V-0033', '李国平', '13900000033'), ('DN-V-0034', '邱小燕', '13900000034'),
        ('DN-V-0035', '罗明辉', '13900000035'),
        ('DN-V-0036', '肖文华', '13900000036'), ('DN-V-0037', '温丽娟', '13900000037'),
        ('DN-V-0038', '何志勇', '13900000038'), ('DN-V-0039', '朱慧敏', '13900000039'),
        ('DN-V-0040', '郭秀兰', '13900000040'), ('DN-V-0041', '胡春燕', '13900000041'),
        ('DN-V-0042', '卢桂芳', '13900000042'), ('DN-V-0043', '邓小红', '13900000043')
       ) AS v (volunteer_no, name, phone)
 WHERE NOT EXISTS (SELECT 1 FROM volunteers x WHERE x.volunteer_no = v.volunteer_no)
ON CONFLICT (volunteer_no) DO NOTHING;

-- Their skills, level 1 (beginner) to 5 (can teach it), fitting their team.
INSERT INTO volunteer_skills (volunteer_id, skill_id, level)
SELECT (SELECT x.id FROM volunteers x WHERE x.volunteer_no = v.volunteer_no),
       (SELECT s.id FROM skills s WHERE s.code = v.skill), v.level
  FROM (VALUES
        -- 县科协科普志愿服务队
        ('DN-V-0001', 'science_teaching', 5), ('DN-V-0001', 'science_experiment', 4), ('DN-V-0001', 'smartphone_help', 3),
        ('DN-V-0002', 'science_teaching', 4), ('DN-V-0002', 'smartphone_help', 4),
        ('DN-V-0003', 'science_experiment', 5), ('DN-V-0003', 'science_teaching', 3),
        ('DN-V-0004', 'smartphone_help', 5), ('DN-V-0004', 'anti_fraud', 2),
        ('DN-V-0005', 'science_experiment', 3), ('DN-V-0005', 'coding', 3),
        -- 县教科体局科技教师志愿服务队
        ('DN-V-0006', 'science_teaching', 5), ('DN-V-0006', 'coding', 2),
        ('DN-V-0007', 'science_experiment', 4), ('DN-V-0007', 'science_teaching', 4),
        ('DN-V-0008', 'coding', 5), ('DN-V-0008', 'science_teaching', 3),
        ('DN-V-0009', 'science_experiment', 3), ('DN-V-0009', 'science_teaching', 2),
        -- 县卫健委健康科普志愿服务队
        ('DN-V-0010', 'health_education', 5), ('DN-V-0010', 'first_aid', 4),
        ('DN-V-0011', 'first_aid', 5), ('DN-V-0011', 'health_education', 3),
        ('DN-V-0012', 'psych_counseling', 4), ('DN-V-0012', 'health_education', 3),
        ('DN-V-0013', 'health_education', 4), ('DN-V-0013', 'food_safety', 2),
        -- 县农业农村局农技志愿服务队
        ('DN-V-0014', 'fruit_cultivation', 5), ('DN-V-0014', 'pest_control', 4),
        ('DN-V-0015', 'pest_control', 5), ('DN-V-0015', 'fruit_cultivation', 3),
        ('DN-V-0016', 'fruit_cultivation', 4), ('DN-V-0016', 'ecommerce', 3),
        ('DN-V-0017', 'pest_control', 3), ('DN-V-0017', 'food_safety', 2),
        -- 县应急管理局应急志愿服务队
        ('DN-V-0018', 'emergency_drill', 5), ('DN-V-0018', 'fire_safety', 4), ('DN-V-0018', 'first_aid', 3),
        ('DN-V-0019', 'fire_safety', 5), ('DN-V-0019', 'emergency_drill', 3),
        ('DN-V-0020', 'first_aid', 4), ('DN-V-0020', 'emergency_drill', 3),
        ('DN-V-0021', 'emergency_drill', 4), ('DN-V-0021', 'first_aid', 2),
        -- 团县委青年科技志愿服务队
        ('DN-V-0022', 'science_teaching', 4), ('DN-V-0022', 'smartphone_help', 4),
        ('DN-V-0023', 'coding', 4), ('DN-V-0023', 'science_experiment', 3),
        ('DN-V-0024', 'smartphone_help', 5), ('DN-V-0024', 'anti_fraud', 3),
        ('DN-V-0025', 'science_teaching', 3), ('DN-V-0025', 'coding', 3),
        -- 县公安局反诈宣传志愿服务队
        ('DN-V-0026', 'anti_fraud', 5), ('DN-V-0026', 'smartphone_help', 3),
        ('DN-V-0027', 'anti_fraud', 4), ('DN-V-0027', 'smartphone_help', 4),
        ('DN-V-0028', 'anti_fraud', 4),
        ('DN-V-0029', 'anti_fraud', 3), ('DN-V-0029', 'psych_counseling', 2),
        -- 县生态环境局生态环保志愿服务队
        ('DN-V-0030', 'eco_protection', 5), ('DN-V-0030', 'waste_sorting', 3),
        ('DN-V-0031', 'waste_sorting', 5), ('DN-V-0031', 'eco_protection', 3),
        ('DN-V-0032', 'eco_protection', 4), ('DN-V-0032', 'waste_sorting', 4),
        -- 县市监局食品安全志愿服务队
        ('DN-V-0033', 'food_safety', 5),
        ('DN-V-0034', 'food_safety', 4), ('DN-V-0034', 'health_education', 2),
        ('DN-V-0035', 'food_safety', 3),
        -- 定南中专职业技能志愿服务队
        ('DN-V-0036', 'vocational_training', 5), ('DN-V-0036', 'ecommerce', 3),
        ('DN-V-0037', 'ecommerce', 5), ('DN-V-0037', 'smartphone_help', 3),
        ('DN-V-0038', 'vocational_training', 4),
        ('DN-V-0039', 'vocational_training', 3), ('DN-V-0039', 'ecommerce', 4),
        -- 县妇联巾帼志愿服务队
        ('DN-V-0040', 'family_education', 5), ('DN-V-0040', 'psych_counseling', 3),
        ('DN-V-0041', 'psych_counseling', 4), ('DN-V-0041', 'family_education', 3),
        ('DN-V-0042', 'family_education', 4), ('DN-V-0042', 'health_education', 3),
        ('DN-V-0043', 'family_education', 2), ('DN-V-0043', 'smartphone_help', 3)
       ) AS v (volunteer_no, skill, level)
ON CONFLICT (volunteer_id, skill_id) DO NOTHING;

-- Team members, one lead per team. A team that already has a lead (say one an admin chose since
-- the last load) gets a missing demo lead back as a plain member, so a reload never makes two leads.
INSERT INTO team_members (team_id, volunteer_id, role)
SELECT (SELECT t.id FROM teams t WHERE t.name = v.team),
       (SELECT x.id FROM volunteers x WHERE x.volunteer_no = v.volunteer_no),
       CASE WHEN v.role = 'lead' AND EXISTS (SELECT 1 FROM team_members m JOIN teams t ON t.id = m.team_id
                                              WHERE t.name = v.team AND m.role = 'lead')
            THEN 'member' ELSE v.role END
  FROM (VALUES
        ('县科协科普志愿服务队', 'DN-V-0001', 'lead'),
        ('县科协科普志愿服务队', 'DN-V-0002', 'member'),
        ('县科协科普志愿服务队', 'DN-V-0003', 'member'),
        ('县科协科普志愿服务队', 'DN-V-0004', 'member'),
        ('县科协科普志愿服务队', 'DN-V-0005', 'member'),
        ('县教科体局科技教师志愿服务队', 'DN-V-0006', 'lead'),
        ('县教科体局科技教师志愿服务队', 'DN-V-0007', 'member'),
        ('县教科体局科技教师志愿服务队', 'DN-V-0008', 'member'),
        ('县教科体局科技教师志愿服务队', 'DN-V-0009', 'member'),
        ('县卫健委健康科普志愿服务队', 'DN-V-0010', 'lead'),
        ('县卫健委健康科普志愿服务队', 'DN-V-0011', 'member'),
        ('县卫健委健康科普志愿服务队', 'DN-V-0012', 'member'),
        ('县卫健委健康科普志愿服务队', 'DN-V-0013', 'member'),
        ('县农业农村局农技志愿服务队', 'DN-V-0014', 'lead'),
        ('县农业农村局农技志愿服务队', 'DN-V-0015', 'member'),
        ('县农业农村局农技志愿服务队', 'DN-V-0016', 'member'),
        ('县农业农村局农技志愿服务队', 'DN-V-0017', 'member'),
        ('县应急管理局应急志愿服务队', 'DN-V-0018', 'lead'),
        ('县应急管理局应急志愿服务队', 'DN-V-0019', 'member'),
        ('县应急管理局应急志愿服务队', 'DN-V-0020', 'member'),
        ('县应急管理局应急志愿服务队', 'DN-V-0021', 'member'),
        ('团县委青年科技志愿服务队', 'DN-V-0022', 'lead'),
        ('团县委青年科技志愿服务队', 'DN-V-0023', 'member'),
        ('团县委青年科技志愿服务队', 'DN-V-0024', 'member'),
        ('团县委青年科技志愿服务队', 'DN-V-0025', 'member'),
        ('县公安局反诈宣传志愿服务队', 'DN-V-0026', 'lead'),
        ('县公安局反诈宣传志愿服务队', 'DN-V-0027', 'member'),
        ('县公安局反诈宣传志愿服务队', 'DN-V-0028', 'member'),
        ('县公安局反诈宣传志愿服务队', 'DN-V-0029', 'member'),
        ('县生态环境局生态环保志愿服务队', 'DN-V-0030', 'lead'),
        ('县生态环境局生态环保志愿服务队', 'DN-V-0031', 'member'),
        ('县生态环境局生态环保志愿服务队', 'DN-V-0032', 'member'),
        ('县市监局食品安全志愿服务队', 'DN-V-0033', 'lead'),
        ('县市监局食品安全志愿服务队', 'DN-V-0034', 'member'),
        ('县市监局食品安全志愿服务队', 'DN-V-0035', 'member'),
        ('定南中专职业技能志愿服务队', 'DN-V-0036', 'lead'),
        ('定南中专职业技能志愿服务队', 'DN-V-0037', 'member'),
        ('定南中专职业技能志愿服务队', 'DN-V-0038', 'member'),
        ('定南中专职业技能志愿服务队', 'DN-V-0039', 'member'),
        ('县妇联巾帼志愿服务队', 'DN-V-0040', 'lead'),
        ('县妇联巾帼志愿服务队', 'DN-V-0041', 'member'),
        ('县妇联巾帼志愿服务队', 'DN-V-0042', 'member'),
        ('县妇联巾帼志愿服务队', 'DN-V-0043', 'member')
       ) AS v (team, volunteer_no, role)
ON CONFLICT (team_id, volunteer_id) DO NOTHING;
